//! Assembling `Settings` from the layers (defaults, default file, `--config`, environment, flags),
//! then validating them.

use std::path::{Path, PathBuf};

use super::{ConfigError, Settings, DEFAULT_FILE, ENV_PREFIX};

/// CLI flags that override everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub amqp_url: Option<String>,
    pub queue: Option<String>,
    pub model: Option<PathBuf>,
}

impl Settings {
    /// Assemble settings from all layers. `file` is `--config`; environment comes from the process.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(Path::new(DEFAULT_FILE), file, env, overrides)
    }

    /// Like [`Settings::load`] with the default-file path and environment given explicitly (for tests).
    pub fn load_from(
        default_file: &Path,
        file: Option<&Path>,
        env: Vec<(String, String)>,
        overrides: &Overrides,
    ) -> Result<Settings, ConfigError> {
        let defaults = config::Config::try_from(&Settings::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut builder = config::Config::builder().add_source(defaults);
        if default_file.exists() {
            builder = builder.add_source(config::File::from(default_file).required(true));
        }
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::MissingFile {
                    path: file.to_path_buf(),
                });
            }
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let env_map: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__")))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env_map)),
        );
        let built = builder
            .build()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut settings: Settings = built
            .try_deserialize()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(url) = &overrides.amqp_url {
            settings.amqp.url = url.clone();
        }
        // amqp.user/amqp.password win over the URL's userinfo, for every client of amqp.url.
        settings.amqp.url = settings.amqp.effective_url();
        if let Some(queue) = &overrides.queue {
            settings.queues.requests = queue.clone();
        }
        if let Some(model) = &overrides.model {
            settings.model.path = model.clone();
        }
        settings.validate()?;
        Ok(settings)
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
