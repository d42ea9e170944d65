//! `--exclude` / `--include` filters, applied as the AWS CLI applies them: every path starts
//! included, each filter is tried in the order given on the command line, and the last one
//! that matches decides. Patterns match the path relative to the source (or, for
//! `sync --delete`, the destination) root, with `/` separators; `*` crosses `/`.

use super::glob::Glob;

/// Whether a filter excludes or includes what it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `--exclude`.
    Exclude,
    /// `--include`.
    Include,
}

/// The filters of one command line, in order.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    rules: Vec<(Rule, String, Glob)>,
}

impl Filters {
    /// Adds a filter after the existing ones.
    pub fn push(&mut self, rule: Rule, pattern: &str) {
        self.rules.push((rule, pattern.to_string(), Glob::new(pattern)));
    }

    /// Whether `relative` (a path under the root, `/`-separated) is included.
    pub fn includes(&self, relative: &str) -> bool {
        let mut included = true;
        for (rule, _, glob) in &self.rules {
            if glob.matches(relative) {
                included = *rule == Rule::Include;
            }
        }
        included
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(list: &[(Rule, &str)]) -> Filters {
        let mut f = Filters::default();
        for (r, p) in list {
            f.push(*r, p);
        }
        f
    }

    #[test]
    fn default_includes_everything() {
        assert!(Filters::default().includes("a/b"));
    }

    #[test]
    fn later_filters_win() {
        let f = filters(&[(Rule::Exclude, "*"), (Rule::Include, "*.txt")]);
        assert!(f.includes("a.txt"));
        assert!(f.includes("dir/b.txt"));
        assert!(!f.includes("a.bin"));
        // Reversed: the exclude comes last and wins.
        let f = filters(&[(Rule::Include, "*.txt"), (Rule::Exclude, "*")]);
        assert!(!f.includes("a.txt"));
    }

    #[test]
    fn aws_documentation_examples() {
        // `--exclude "*" --include "*.jpg" --exclude "photos/*"`
        let f = filters(&[(Rule::Exclude, "*"), (Rule::Include, "*.jpg"), (Rule::Exclude, "photos/*")]);
        assert!(f.includes("a.jpg"));
        assert!(!f.includes("photos/a.jpg"));
        assert!(!f.includes("a.png"));
        // `--exclude ".git/*"`
        let f = filters(&[(Rule::Exclude, ".git/*")]);
        assert!(!f.includes(".git/config"));
        assert!(f.includes("src/.git/config"));
    }
}
