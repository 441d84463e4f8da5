//! Named credential providers in the config file: `[providers.NAME]` tables, read and
//! written by [`crate::ConfigFile`]. Their shape ([`ProviderSettings`]) belongs to
//! `agentdesk-identity`, which signs in with them.

pub use agentdesk_identity::{
    AuthFlow, ProviderKind, ProviderSettings, is_provider_name, is_secure_url,
};

#[cfg(test)]
mod tests {
    use agentdesk_identity::{AuthFlow, ProviderSettings};

    use crate::ConfigFile;

    #[test]
    fn providers_are_read_saved_and_removed_keeping_the_rest_of_the_file() {
        let folder = tempfile::tempdir().expect("temp");
        let path = folder.path().join("config.toml");
        std::fs::write(
            &path,
            "# mine\n[ui]\ntheme = \"dark\" # kept\n\n[providers.cognito]\nissuer = \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc\"\nclient_id = \"m2m\"\nflow = \"client-credentials\"\nscopes = [\"gateway/invoke\"]\n\n[providers.bad]\nissuer = \"http://idp.example\"\nclient_id = \"x\"\n\n[providers.typo]\nclient_idd = \"x\"\n",
        )
        .expect("write");
        let file = ConfigFile::new(path.clone());
        let (settings, problems) = file.read();
        let cognito = &settings.providers["cognito"];
        assert_eq!(cognito.flow, AuthFlow::ClientCredentials);
        assert_eq!(cognito.scopes, ["gateway/invoke"]);
        assert_eq!(settings.providers.len(), 1, "the broken ones are left out");
        let keys: Vec<_> = problems.iter().filter_map(|problem| problem.key.clone()).collect();
        assert_eq!(keys, ["providers.bad", "providers.typo"], "{problems:?}");
        assert!(problems[1].message.contains("client_idd"), "{problems:?}");

        let local = ProviderSettings {
            issuer: "http://127.0.0.1:3000".into(),
            client_id: "agentdesk".into(),
            scopes: vec!["openid".into(), "offline_access".into()],
            ..ProviderSettings::default()
        };
        file.save_provider("local", &local).expect("save");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("# mine\n") && text.contains("theme = \"dark\" # kept"), "{text}");
        assert!(text.contains("[providers.local]"), "{text}");
        assert!(!text.contains("kind ="), "defaults are left out: {text}");
        assert_eq!(file.read().0.providers["local"], local);
        assert!(file.remove_provider("local").expect("remove"));
        assert!(!file.remove_provider("local").expect("remove again"));
        assert!(!file.read().0.providers.contains_key("local"));
        let refused = file.save_provider(
            "http",
            &ProviderSettings {
                issuer: "http://idp.example".into(),
                client_id: "x".into(),
                ..ProviderSettings::default()
            },
        );
        assert!(refused.is_err());
    }
}
