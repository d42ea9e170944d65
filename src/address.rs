//! S3 locations (`s3://`, `gcs://`, `https://`) and request URLs (virtual-host or path style).
