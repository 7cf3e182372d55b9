//! Which software a server runs: shown to the user, and used only to pick wording and what a
//! scope picker offers (`assets/scopes.json`, `software`); requests never depend on it.

use std::fmt;

/// The server software, e.g. "Mastodon 4.7.0", "snac 2.94", "Akkoma 3.20.0".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Software {
    pub name: String,
    pub version: Option<String>,
}

impl fmt::Display for Software {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{} {version}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Names the software from the instance `version` string and `NodeInfo`. Only for display: no
/// behaviour depends on it (features come from the metadata document).
pub(super) fn detect_software(
    version: Option<&str>,
    nodeinfo: Option<(&str, Option<&str>)>,
) -> Software {
    let software = |name: &str, version: Option<&str>| Software {
        name: name.to_owned(),
        version: version.map(str::to_owned).filter(|v| !v.is_empty()),
    };
    if let Some(version) = version {
        // snac: "4.0.0 (not true; really snac/2.94)".
        if let Some(rest) = version.split("really ").nth(1) {
            let inner = rest.trim_end_matches(')');
            let (name, ver) = inner.split_once('/').unwrap_or((inner, ""));
            return software(&pretty_name(name), Some(ver.trim()));
        }
        // Pleroma, Akkoma: "2.7.2 (compatible; Akkoma 3.20.0)".
        if let Some(rest) = version.split("compatible; ").nth(1) {
            let inner = rest.trim_end_matches(')');
            let (name, ver) = inner.split_once(' ').unwrap_or((inner, ""));
            return software(&pretty_name(name), Some(ver.trim()));
        }
    }
    match nodeinfo {
        Some((name, node_version)) if name != "mastodon" => {
            software(&pretty_name(name), node_version.or(version))
        }
        _ => match version {
            // glitch-soc reports "mastodon" in NodeInfo; its build metadata starts with "glitch".
            Some(v) if v.contains("+glitch") => software("glitch-soc", v.split('+').next()),
            Some(v) => software("Mastodon", Some(v)),
            None => software("Mastodon", None),
        },
    }
}

fn pretty_name(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "mastodon" => "Mastodon".into(),
        "gotosocial" => "GoToSocial".into(),
        "pleroma" => "Pleroma".into(),
        "akkoma" => "Akkoma".into(),
        "hometown" => "Hometown".into(),
        "snac" => "snac".into(),
        "misskey" => "Misskey".into(),
        "iceshrimp" => "Iceshrimp".into(),
        "sharkey" => "Sharkey".into(),
        "friendica" => "Friendica".into(),
        "pixelfed" => "Pixelfed".into(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(version: Option<&str>, nodeinfo: Option<(&str, Option<&str>)>) -> String {
        detect_software(version, nodeinfo).to_string()
    }

    #[test]
    fn software_names() {
        assert_eq!(
            sw(Some("4.7.0"), Some(("mastodon", Some("4.7.0")))),
            "Mastodon 4.7.0"
        );
        assert_eq!(sw(Some("4.2.10"), None), "Mastodon 4.2.10");
        assert_eq!(sw(None, None), "Mastodon");
        assert_eq!(
            sw(Some("4.6.5+glitch"), Some(("mastodon", None))),
            "glitch-soc 4.6.5"
        );
        assert_eq!(
            sw(
                Some("4.0.0 (not true; really snac/2.94)"),
                Some(("snac", Some("2.94")))
            ),
            "snac 2.94"
        );
        assert_eq!(
            sw(Some("2.7.2 (compatible; Pleroma 2.9.1)"), None),
            "Pleroma 2.9.1"
        );
        assert_eq!(
            sw(
                Some("2.7.2 (compatible; Akkoma 3.20.0)"),
                Some(("akkoma", Some("3.20.0")))
            ),
            "Akkoma 3.20.0"
        );
        assert_eq!(
            sw(
                Some("3.5.3+0.19.1"),
                Some(("gotosocial", Some("0.19.1 git-abc")))
            ),
            "GoToSocial 0.19.1 git-abc"
        );
        assert_eq!(
            sw(Some("1.0"), Some(("someserver", None))),
            "someserver 1.0"
        );
    }
}
