//! pixi `s3-options` configuration: layers, manifests, discovery, errors with file:line.
#![cfg(feature = "client")]

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

use std::fs;
use std::path::{Path, PathBuf};

use minis3::config::env::Environment;
use minis3::config::pixi::{
    parse_config_file, GlobalConfigSource, LayerKind, ManifestKind, PixiConfigError, PixiConfigLoader,
};

/// A fake machine: a root holding `etc/pixi/config.toml`, a home and a workspace.
struct Machine {
    _dir: tempfile::TempDir,
    root: PathBuf,
    env: Environment,
}

impl Machine {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(root.join("home")).unwrap();
        fs::create_dir_all(root.join("ws")).unwrap();
        let env = Environment::from_pairs([("HOME", root.join("home").to_str().unwrap())]);
        Machine { _dir: dir, root, env }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }
    fn loader(&self, cwd: &str) -> PixiConfigLoader<'_> {
        PixiConfigLoader::new(&self.env, self.path(cwd)).system_config_path(self.path("etc/pixi/config.toml"))
    }
}

fn entry(bucket: &str, endpoint: &str) -> String {
    format!("[s3-options.{bucket}]\nendpoint-url = \"{endpoint}\"\nregion = \"us-east-1\"\nforce-path-style = false\n")
}

fn endpoint(cfg: &minis3::config::pixi::PixiConfig, bucket: &str) -> String {
    cfg.s3_options(bucket).unwrap_or_else(|| panic!("no entry for {bucket}")).options.endpoint_url.to_string()
}

#[test]
fn layers_in_pixi_order_later_wins() {
    let m = Machine::new();
    let sys = m.write(
        "etc/pixi/config.toml",
        &(entry("shared", "https://system.example") + &entry("only-system", "https://sys.example")),
    );
    let xdg = m.write(
        "home/.config/pixi/config.toml",
        &(entry("shared", "https://xdg.example") + &entry("only-xdg", "https://xdg.example")),
    );
    let home = m.write("home/.pixi/config.toml", &entry("shared", "https://pixihome.example"));
    let local = m.write("ws/.pixi/config.toml", &entry("shared", "https://local.example"));
    let manifest = m.write(
        "ws/pixi.toml",
        "[workspace]\nname = \"x\"\nchannels = []\nplatforms = []\n\n\
         [workspace.s3-options.shared]\nendpoint-url = \"https://manifest.example\"\n\
         region = \"auto\"\nforce-path-style = true\n",
    );
    let cfg = m.loader("ws").load().unwrap();
    let shared = cfg.s3_options("shared").unwrap();
    assert_eq!(shared.options.endpoint_url.as_str(), "https://manifest.example/");
    assert_eq!(shared.options.region, "auto");
    assert!(shared.options.force_path_style);
    assert_eq!(shared.file, manifest);
    assert_eq!(shared.line, 6);
    assert_eq!(shared.layer, LayerKind::Manifest);
    assert_eq!(cfg.s3_options("only-system").unwrap().file, sys);
    assert_eq!(cfg.s3_options("only-system").unwrap().layer, LayerKind::System);
    assert_eq!(cfg.s3_options("only-xdg").unwrap().file, xdg);
    let files: Vec<_> = cfg.files_read.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(files, vec![sys, xdg, home, local, manifest.clone()]);
    assert_eq!(cfg.manifest.unwrap().path, manifest);
}

#[test]
fn each_layer_overrides_the_previous_one() {
    let m = Machine::new();
    m.write("etc/pixi/config.toml", &entry("b", "https://system.example"));
    assert_eq!(endpoint(&m.loader("ws").load().unwrap(), "b"), "https://system.example/");
    m.write("home/.config/pixi/config.toml", &entry("b", "https://xdg.example"));
    assert_eq!(endpoint(&m.loader("ws").load().unwrap(), "b"), "https://xdg.example/");
    m.write("home/.pixi/config.toml", &entry("b", "https://home.example"));
    assert_eq!(endpoint(&m.loader("ws").load().unwrap(), "b"), "https://home.example/");
    // Without a manifest the workspace file is not read.
    m.write("ws/.pixi/config.toml", &entry("b", "https://local.example"));
    assert_eq!(endpoint(&m.loader("ws").load().unwrap(), "b"), "https://home.example/");
    m.write("ws/pixi.toml", "[workspace]\nname = \"x\"\n");
    let cfg = m.loader("ws").load().unwrap();
    assert_eq!(endpoint(&cfg, "b"), "https://local.example/");
    assert_eq!(cfg.s3_options("b").unwrap().layer, LayerKind::Workspace);
}

#[test]
fn later_layer_replaces_the_whole_entry() {
    let m = Machine::new();
    m.write(
        "etc/pixi/config.toml",
        "[s3-options.b]\nendpoint-url = \"http://localhost:9000\"\nregion = \"eu\"\nforce-path-style = true\n",
    );
    m.write(
        "home/.pixi/config.toml",
        "# comment\n[s3-options.b]\nendpoint-url = \"https://other.example\"\nregion = \"us\"\nforce-path-style = false\n",
    );
    let cfg = m.loader("ws").load().unwrap();
    let b = cfg.s3_options("b").unwrap();
    assert_eq!(b.options.region, "us");
    assert!(!b.options.force_path_style);
    assert_eq!(b.file, m.path("home/.pixi/config.toml"));
    assert_eq!(b.line, 2);
}

#[test]
fn xdg_config_home_and_pixi_home_replace_their_defaults() {
    let mut m = Machine::new();
    m.write("home/.config/pixi/config.toml", &entry("a", "https://dot-config.example"));
    m.write("xdg/pixi/config.toml", &entry("a", "https://xdg.example"));
    m.write("home/.pixi/config.toml", &entry("b", "https://dot-pixi.example"));
    m.write("pixihome/config.toml", &entry("c", "https://pixihome.example"));
    m.env.set("XDG_CONFIG_HOME", m.path("xdg").to_str().unwrap());
    m.env.set("PIXI_HOME", m.path("pixihome").to_str().unwrap());
    let cfg = m.loader("ws").load().unwrap();
    assert_eq!(endpoint(&cfg, "a"), "https://xdg.example/");
    assert!(cfg.s3_options("b").is_none(), "~/.pixi is not read when PIXI_HOME is set");
    assert_eq!(endpoint(&cfg, "c"), "https://pixihome.example/");
    // A relative XDG_CONFIG_HOME is ignored (as the dirs crate does).
    m.env.set("XDG_CONFIG_HOME", "relative/dir");
    let cfg = m.loader("ws").load().unwrap();
    assert_eq!(endpoint(&cfg, "a"), "https://dot-config.example/");
}

#[test]
fn pixi_config_file_replaces_the_global_layers_only() {
    let mut m = Machine::new();
    m.write("etc/pixi/config.toml", &entry("sys", "https://sys.example"));
    m.write("home/.pixi/config.toml", &entry("home", "https://home.example"));
    let chosen = m.write("elsewhere/my.toml", &entry("chosen", "https://chosen.example"));
    m.write("ws/.pixi/config.toml", &entry("local", "https://local.example"));
    m.write("ws/pixi.toml", "[project]\nname = \"x\"\n");
    m.env.set("PIXI_CONFIG_FILE", chosen.to_str().unwrap());
    let cfg = m.loader("ws").load().unwrap();
    assert!(cfg.s3_options("sys").is_none());
    assert!(cfg.s3_options("home").is_none());
    assert_eq!(cfg.s3_options("chosen").unwrap().layer, LayerKind::ConfigFile);
    assert_eq!(cfg.s3_options("local").unwrap().layer, LayerKind::Workspace);
    // A missing PIXI_CONFIG_FILE is skipped, as pixi does.
    m.env.set("PIXI_CONFIG_FILE", m.path("nope.toml").to_str().unwrap());
    let cfg = m.loader("ws").load().unwrap();
    assert_eq!(cfg.s3_options.len(), 1);
}

#[test]
fn pixi_no_config_skips_global_layers_but_not_the_workspace() {
    let mut m = Machine::new();
    m.write("etc/pixi/config.toml", &entry("sys", "https://sys.example"));
    let chosen = m.write("my.toml", &entry("chosen", "https://chosen.example"));
    m.write("ws/.pixi/config.toml", &entry("local", "https://local.example"));
    m.write("ws/pixi.toml", "[workspace]\nname = \"x\"\n");
    m.env.set("PIXI_CONFIG_FILE", chosen.to_str().unwrap());
    for yes in ["1", "true", "TRUE", "yes", "on"] {
        m.env.set("PIXI_NO_CONFIG", yes);
        let cfg = m.loader("ws").load().unwrap();
        let buckets: Vec<_> = cfg.s3_options.keys().cloned().collect();
        assert_eq!(buckets, vec!["local".to_string()], "PIXI_NO_CONFIG={yes}");
    }
    for no in ["0", "false", "no", "off", ""] {
        m.env.set("PIXI_NO_CONFIG", no);
        let cfg = m.loader("ws").load().unwrap();
        assert!(cfg.s3_options("chosen").is_some(), "PIXI_NO_CONFIG={no:?}");
    }
    m.env.set("PIXI_NO_CONFIG", "maybe");
    let err = m.loader("ws").load().clean_err();
    assert!(matches!(err, PixiConfigError::InvalidEnv { name: "PIXI_NO_CONFIG", .. }));
    assert!(err.to_string().contains("PIXI_NO_CONFIG"), "{err}");
    // Explicit flags override the environment.
    let cfg = m.loader("ws").global_source(GlobalConfigSource::Search).load().unwrap();
    assert!(cfg.s3_options("sys").is_some());
    assert_eq!(
        GlobalConfigSource::from_env(&Environment::from_pairs([("PIXI_CONFIG_FILE", "/x.toml")])).unwrap(),
        GlobalConfigSource::File("/x.toml".into())
    );
}

const OPTS: &str = "endpoint-url = \"https://e.example\"\nregion = \"r\"\nforce-path-style = true\n";

fn manifest_bucket(m: &Machine, file: &str, text: &str) -> Option<(String, usize, ManifestKind)> {
    let p = m.write(file, text);
    let cfg = m.loader(Path::new(file).parent().unwrap().to_str().unwrap()).load().unwrap();
    let man = cfg.manifest.clone().unwrap();
    assert_eq!(man.path, p);
    cfg.s3_options("bkt").map(|e| (e.options.region.clone(), e.line, man.kind))
}

#[test]
fn every_manifest_form() {
    let m = Machine::new();
    let cases: &[(&str, String, Option<usize>, ManifestKind)] = &[
        (
            "a/pixi.toml",
            format!("[workspace]\nname = \"a\"\n\n[workspace.s3-options.bkt]\n{OPTS}"),
            Some(4),
            ManifestKind::Pixi,
        ),
        (
            "b/pixi.toml",
            format!("[project]\nname = \"b\"\n[project.s3-options.bkt]\n{OPTS}"),
            Some(3),
            ManifestKind::Pixi,
        ),
        (
            "c/pixi.toml",
            "[workspace]\nname = \"c\"\ns3-options.bkt = { endpoint-url = \"https://e.example\", region = \"r\", force-path-style = true }\n".to_string(),
            Some(3),
            ManifestKind::Pixi,
        ),
        (
            "d/pixi.toml",
            "[workspace]\nname = \"d\"\n[workspace.s3-options]\nbkt = { endpoint-url = \"https://e.example\", region = \"r\", force-path-style = true }\n".to_string(),
            Some(4),
            ManifestKind::Pixi,
        ),
        (
            "e/pyproject.toml",
            format!("[project]\nname = \"e\"\n\n[tool.pixi.workspace]\nchannels = []\n\n[tool.pixi.workspace.s3-options.bkt]\n{OPTS}"),
            Some(7),
            ManifestKind::Pyproject,
        ),
        (
            "f/pyproject.toml",
            format!("[project]\nname = \"f\"\n[tool.pixi.project]\nchannels = []\n[tool.pixi.project.s3-options.bkt]\n{OPTS}"),
            Some(5),
            ManifestKind::Pyproject,
        ),
        (
            "g/mojoproject.toml",
            format!("[workspace]\nname = \"g\"\n[workspace.s3-options.bkt]\n{OPTS}"),
            Some(3),
            ManifestKind::Pixi,
        ),
        // s3-options at the top level or under [package] is not a workspace setting.
        (
            "h/pixi.toml",
            format!("[workspace]\nname = \"h\"\n[s3-options.bkt]\n{OPTS}"),
            None,
            ManifestKind::Pixi,
        ),
        // pyproject's own [project] table is not pixi's.
        (
            "i/pyproject.toml",
            format!("[project]\nname = \"i\"\n[tool.pixi.workspace]\nchannels = []\n[project.s3-options.bkt]\n{OPTS}"),
            None,
            ManifestKind::Pyproject,
        ),
    ];
    for (file, text, line, kind) in cases {
        let got = manifest_bucket(&m, file, text);
        match line {
            Some(l) => {
                let (region, got_line, got_kind) = got.unwrap_or_else(|| panic!("{file}: no entry"));
                assert_eq!(region, "r", "{file}");
                assert_eq!(got_line, *l, "{file}");
                assert_eq!(got_kind, *kind, "{file}");
            }
            None => assert!(got.is_none(), "{file}"),
        }
    }
}

#[test]
fn workspace_table_wins_over_project_table() {
    let m = Machine::new();
    m.write(
        "ws/pixi.toml",
        &format!("[workspace]\nname = \"x\"\n[workspace.s3-options.bkt]\n{OPTS}\n[project.s3-options.old]\n{OPTS}"),
    );
    let cfg = m.loader("ws").load().unwrap();
    assert!(cfg.s3_options("bkt").is_some());
    assert!(cfg.s3_options("old").is_none());
}

#[test]
fn manifest_discovery_walks_upwards() {
    let m = Machine::new();
    let root = m.write("ws/pixi.toml", &format!("[workspace]\nname = \"x\"\n[workspace.s3-options.bkt]\n{OPTS}"));
    fs::create_dir_all(m.path("ws/a/b/c")).unwrap();
    // A pyproject.toml without pixi tables and a package-only pixi.toml are passed over.
    m.write("ws/a/pyproject.toml", "[project]\nname = \"lib\"\n");
    m.write("ws/a/b/pixi.toml", "[package]\nname = \"pkg\"\n");
    let cfg = m.loader("ws/a/b/c").load().unwrap();
    assert_eq!(cfg.manifest.as_ref().unwrap().path, root);
    assert!(cfg.s3_options("bkt").is_some());

    // pixi.toml is preferred to pyproject.toml in the same directory.
    m.write("ws/a/b/c/pyproject.toml", &format!("[tool.pixi.workspace]\n[tool.pixi.workspace.s3-options.py]\n{OPTS}"));
    m.write("ws/a/b/c/pixi.toml", &format!("[workspace]\n[workspace.s3-options.px]\n{OPTS}"));
    let cfg = m.loader("ws/a/b/c").load().unwrap();
    assert!(cfg.s3_options("px").is_some());
    assert!(cfg.s3_options("py").is_none());
    assert!(cfg.s3_options("bkt").is_none(), "only the nearest workspace counts");

    // No manifest anywhere: only the global layers.
    let other = Machine::new();
    let cfg = other.loader("ws").load().unwrap();
    assert!(cfg.manifest.is_none());
}

#[test]
fn explicit_manifest_path_and_pixi_project_manifest() {
    let mut m = Machine::new();
    let py =
        m.write("proj/pyproject.toml", &format!("[tool.pixi.workspace]\n[tool.pixi.workspace.s3-options.py]\n{OPTS}"));
    m.write("proj/pixi.toml", &format!("[workspace]\n[workspace.s3-options.px]\n{OPTS}"));
    // A file: used even though pixi.toml sits next to it.
    let cfg = m.loader("ws").manifest_path(&py).load().unwrap();
    assert_eq!(cfg.manifest.as_ref().unwrap().kind, ManifestKind::Pyproject);
    assert!(cfg.s3_options("py").is_some());
    // A directory: its preferred manifest; relative to the current directory.
    let cfg = m.loader("ws").manifest_path("../proj").load().unwrap();
    assert!(cfg.s3_options("px").is_some());
    // Missing.
    let err = m.loader("ws").manifest_path("../nope/pixi.toml").load().clean_err();
    assert!(matches!(err, PixiConfigError::ManifestNotFound { .. }), "{err}");
    // PIXI_PROJECT_MANIFEST is used only when nothing is found from the current directory.
    m.env.set("PIXI_PROJECT_MANIFEST", py.to_str().unwrap());
    let cfg = m.loader("ws").load().unwrap();
    assert!(cfg.s3_options("py").is_some());
    let near = m.write("ws/pixi.toml", &format!("[workspace]\n[workspace.s3-options.near]\n{OPTS}"));
    let cfg = m.loader("ws").load().unwrap();
    assert_eq!(cfg.manifest.unwrap().path, near);
}

fn err_of(text: &str) -> (PixiConfigError, String) {
    let e = parse_config_file(text, Path::new("/etc/pixi/config.toml")).clean_err();
    let s = e.to_string();
    assert!(!s.contains('\n'), "one line: {s}");
    (e, s)
}

#[test]
fn missing_key_names_file_and_line() {
    let (e, s) = err_of("default-channels = []\n\n[s3-options.bkt]\nendpoint-url = \"https://e\"\nregion = \"r\"\n");
    assert!(matches!(e, PixiConfigError::MissingKey { line: 3, key: "force-path-style", .. }), "{e:?}");
    assert!(s.starts_with("/etc/pixi/config.toml:3:"), "{s}");
    assert!(s.contains("force-path-style"), "{s}");
    for key in ["endpoint-url", "region"] {
        let text = OPTS.lines().filter(|l| !l.starts_with(key)).collect::<Vec<_>>().join("\n");
        let (e, _) = err_of(&format!("[s3-options.b]\n{text}\n"));
        assert!(matches!(e, PixiConfigError::MissingKey { key: k, .. } if k == key), "{e:?}");
    }
}

#[test]
fn unknown_key_names_file_and_line() {
    let (e, s) = err_of(&format!("[s3-options.bkt]\n{OPTS}addressing-style = \"path\"\n"));
    assert!(matches!(e, PixiConfigError::UnknownKey { line: 5, ref key, .. } if key == "addressing-style"), "{e:?}");
    assert!(s.starts_with("/etc/pixi/config.toml:5: unknown key `addressing-style` in [s3-options.bkt]"), "{s}");
    // A snake_case spelling is unknown, not "missing endpoint-url".
    let (e, _) = err_of("[s3-options.bkt]\nendpoint_url = \"https://e\"\nregion = \"r\"\nforce-path-style = true\n");
    assert!(matches!(e, PixiConfigError::UnknownKey { line: 2, .. }), "{e:?}");
    // In a manifest too.
    let m = Machine::new();
    let p = m.write(
        "ws/pyproject.toml",
        &format!("[tool.pixi.workspace]\n\n[tool.pixi.workspace.s3-options.b]\n{OPTS}extra = 1\n"),
    );
    let e = m.loader("ws").load().clean_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}:7: unknown key `extra` in [tool.pixi.workspace.s3-options.b]", p.display())),
        "{e}"
    );
}

#[test]
fn wrong_types_and_bad_toml_name_the_line() {
    let (e, s) = err_of("[s3-options.b]\nendpoint-url = \"https://e\"\nregion = \"r\"\nforce-path-style = \"yes\"\n");
    assert!(matches!(e, PixiConfigError::InvalidValue { line: 4, .. }), "{e:?}");
    assert!(s.contains("boolean"), "{s}");
    let (e, _) = err_of("[s3-options.b]\nendpoint-url = \"not a url\"\nregion = \"r\"\nforce-path-style = true\n");
    assert!(matches!(e, PixiConfigError::InvalidValue { line: 2, .. }), "{e:?}");
    let (e, _) = err_of("[s3-options.b]\nendpoint-url = \"https://e\"\nregion = 5\nforce-path-style = true\n");
    assert!(matches!(e, PixiConfigError::InvalidValue { line: 3, .. }), "{e:?}");
    let (e, _) = err_of("s3-options = 3\n");
    assert!(matches!(e, PixiConfigError::InvalidValue { line: 1, .. }), "{e:?}");
    let (e, _) = err_of("\n\n[s3-options.b\nregion = 1\n");
    assert!(matches!(e, PixiConfigError::Toml { line: Some(3), .. }), "{e:?}");
    // Errors in a layer file stop loading (pixi would log and skip the file).
    let m = Machine::new();
    m.write("home/.pixi/config.toml", "[s3-options.b]\nregion = \"r\"\n");
    let e = m.loader("ws").load().clean_err();
    assert!(e.to_string().contains(".pixi/config.toml:1:"), "{e}");
}

#[test]
fn other_pixi_settings_are_ignored_and_empty_tables_are_fine() {
    let c = parse_config_file(
        "default-channels = [\"conda-forge\"]\n[mirrors]\n\"https://a\" = [\"https://b\"]\n[s3-options]\n",
        Path::new("c.toml"),
    )
    .unwrap();
    assert!(c.s3_options.is_empty());
    assert!(c.authentication_override_file.is_none());
}

#[test]
fn authentication_override_file_comes_from_the_layers() {
    let m = Machine::new();
    m.write("etc/pixi/config.toml", "authentication-override-file = \"/sys/creds.json\"\n");
    let cfg = m.loader("ws").load().unwrap();
    let a = cfg.authentication_override_file.unwrap();
    assert_eq!(a.value, PathBuf::from("/sys/creds.json"));
    let key = "authentication-override-file".to_string();
    assert_eq!(
        a.source,
        minis3::config::source::Source::Pixi { file: m.path("etc/pixi/config.toml"), line: None, key }
    );
    // The snake_case alias; a relative path is taken from the current directory.
    m.write("home/.pixi/config.toml", "authentication_override_file = \"rel/creds.json\"\n");
    let cfg = m.loader("ws").load().unwrap();
    assert_eq!(cfg.authentication_override_file.unwrap().value, m.path("ws/rel/creds.json"));
    let e = parse_config_file("authentication-override-file = 3\n", Path::new("c.toml")).clean_err();
    assert!(matches!(e, PixiConfigError::InvalidValue { line: 1, .. }), "{e:?}");
}

#[test]
fn errors_stay_on_one_line_whatever_the_keys() {
    let (e, s) = err_of(&format!("[s3-options.\"a\\nb\"]\n{OPTS}\"x\\ny\" = 1\n"));
    assert!(matches!(e, PixiConfigError::UnknownKey { line: 5, .. }), "{e:?}");
    assert!(s.contains(r"x\ny"), "{s}");
}

#[test]
fn invalid_value_under_an_odd_bucket_name_is_one_line() {
    let (_, s) = err_of("[s3-options.\"a\\nb\"]\nendpoint-url = \"https://e\"\nregion = \"r\"\nforce-path-style = 1\n");
    assert!(s.contains(r"a\nb"), "{s}");
}
