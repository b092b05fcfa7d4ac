//! LightGBM's text model format split into its parts: the header's `key=value` lines and one
//! block of `key=value` lines per `Tree=i`, up to `end of trees`. Values stay borrowed; numbers are
//! parsed by the readers that know what each key holds, with errors that name tree and key.

use crate::model::error::LoadError;

/// One block of `key=value` lines (plus bare flag lines such as `average_output`).
#[derive(Debug, Default)]
pub struct Block<'a> {
    pub name: String,
    pub pairs: Vec<(&'a str, &'a str)>,
    pub flags: Vec<&'a str>,
}

pub fn text_error(where_: &str, message: impl std::fmt::Display) -> LoadError {
    LoadError::model(format!("LightGBM model {where_}: {message}"))
}

impl<'a> Block<'a> {
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    pub fn req(&self, key: &str) -> Result<&'a str, LoadError> {
        self.get(key)
            .ok_or_else(|| text_error(&self.name, format!("has no {key}= line")))
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// A single number (`num_leaves=31`).
    pub fn num<T: std::str::FromStr>(&self, key: &str) -> Result<T, LoadError> {
        let v = self.req(key)?;
        v.trim()
            .parse()
            .map_err(|_| text_error(&self.name, format!("{key}={v:?} is not a valid number")))
    }

    /// A space-separated list of exactly `len` numbers (`len` is checked before parsing, so a
    /// forged count cannot allocate more than the line holds).
    pub fn list<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Vec<T>, LoadError> {
        let v = self.req(key)?;
        let mut out = Vec::with_capacity(len.min(v.len() / 2 + 1));
        for (i, item) in v.split_ascii_whitespace().enumerate() {
            if i >= len {
                return Err(text_error(
                    &self.name,
                    format!("{key} has more than {len} values"),
                ));
            }
            out.push(item.parse().map_err(|_| {
                text_error(
                    &self.name,
                    format!("{key}[{i}]={item:?} is not a valid number"),
                )
            })?);
        }
        if out.len() != len {
            return Err(text_error(
                &self.name,
                format!("{key} has {} values, expected {len}", out.len()),
            ));
        }
        Ok(out)
    }
}

/// The header and the tree blocks of a model string.
#[derive(Debug, Default)]
pub struct ModelText<'a> {
    pub header: Block<'a>,
    pub trees: Vec<Block<'a>>,
}

pub fn split(text: &str) -> Result<ModelText<'_>, LoadError> {
    let mut model = ModelText {
        header: Block {
            name: "header".into(),
            ..Block::default()
        },
        trees: Vec::new(),
    };
    let mut ended = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line == "end of trees" {
            ended = true;
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if let Some(index) = line.strip_prefix("Tree=") {
            let expected = model.trees.len();
            if index.trim().parse::<usize>() != Ok(expected) {
                return Err(text_error(
                    &format!("Tree={index}"),
                    format!("trees must be numbered in order, expected Tree={expected}"),
                ));
            }
            model.trees.push(Block {
                name: format!("Tree={expected}"),
                ..Block::default()
            });
            continue;
        }
        let block = model.trees.last_mut().unwrap_or(&mut model.header);
        match line.split_once('=') {
            Some((k, v)) => block.pairs.push((k, v)),
            None => block.flags.push(line.trim()),
        }
    }
    if !ended {
        return Err(text_error(
            "text",
            "has no \"end of trees\" line (truncated?)",
        ));
    }
    if model.header.get("version").is_none() {
        return Err(text_error(
            "header",
            "has no version= line; this is not a LightGBM model",
        ));
    }
    Ok(model)
}
