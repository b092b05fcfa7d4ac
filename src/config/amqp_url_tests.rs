//! Unit tests of `config::amqp_url`: amqp.user / amqp.password replace the URL's userinfo literally,
//! from settings, the environment, or beside a `--amqp-url` flag.

use std::path::Path;

use crate::config::{AmqpSettings, Overrides, Settings};

fn amqp(url: &str, user: &str, password: &str) -> AmqpSettings {
    AmqpSettings {
        url: url.into(),
        user: user.into(),
        password: password.into(),
        ..AmqpSettings::default()
    }
}

/// What a decoding client (lapin) logs in with.
fn login(url: &str) -> (String, String) {
    let uri: lapin::uri::AMQPUri = url.parse().expect("valid URL");
    (
        uri.authority.userinfo.username,
        uri.authority.userinfo.password,
    )
}

#[test]
fn url_alone_is_kept() {
    let s = amqp("amqp://a:b%40c@rabbit:5672/%2f", "", "");
    assert_eq!(s.effective_url(), "amqp://a:b%40c@rabbit:5672/%2f");
    assert_eq!(login(&s.effective_url()), ("a".into(), "b@c".into()));
}

#[test]
fn user_and_password_replace_the_userinfo_literally() {
    let pass = "p@ss:w/rd%41?#[]& x";
    for url in [
        "amqp://rabbit:5672/%2f",
        "amqp://guest:guest@rabbit:5672/%2f",
        "amqp://old@rabbit",
        "amqps://u:p@rabbit:5671/vh?heartbeat=5",
    ] {
        let s = amqp(url, "us:er@1", pass);
        let eff = s.effective_url();
        assert_eq!(
            login(&eff),
            ("us:er@1".into(), pass.into()),
            "{url} -> {eff}"
        );
        let parsed: lapin::uri::AMQPUri = eff.parse().unwrap();
        let orig: lapin::uri::AMQPUri = url.parse().unwrap();
        assert_eq!(parsed.authority.host, orig.authority.host);
        assert_eq!(parsed.authority.port, orig.authority.port);
        assert_eq!(parsed.vhost, orig.vhost);
        assert_eq!(parsed.query.heartbeat, orig.query.heartbeat);
    }
}

#[test]
fn password_alone_keeps_the_urls_user() {
    let s = amqp("amqp://predict:old@rabbit:5672/%2f", "", "n:e@w");
    assert_eq!(
        login(&s.effective_url()),
        ("predict".into(), "n:e@w".into())
    );
    let s = amqp("amqp://predict:old@rabbit:5672/%2f", "other", "");
    assert_eq!(login(&s.effective_url()), ("other".into(), "old".into()));
}

#[test]
fn environment_user_and_password_apply_to_amqp_url() {
    let env = vec![
        (
            "PREDICT_WORKER__AMQP__URL".to_string(),
            "amqp://rabbitmq:5672/%2f".to_string(),
        ),
        ("PREDICT_WORKER__AMQP__USER".into(), "predict".into()),
        (
            "PREDICT_WORKER__AMQP__PASSWORD".into(),
            "s3cr@t:/%25".into(),
        ),
    ];
    let s = Settings::load_from(
        Path::new("/nonexistent/default.toml"),
        None,
        env,
        &Overrides::default(),
    )
    .expect("loads");
    assert_eq!(s.amqp.password, "s3cr@t:/%25");
    assert_eq!(login(&s.amqp.url), ("predict".into(), "s3cr@t:/%25".into()));
    assert_eq!(
        s.amqp.url,
        "amqp://predict:s3cr%40t%3A%2F%2525@rabbitmq:5672/%2f"
    );
}

#[test]
fn flag_url_still_takes_user_and_password_from_settings() {
    let env = vec![(
        "PREDICT_WORKER__AMQP__PASSWORD".to_string(),
        "x@y".to_string(),
    )];
    let overrides = Overrides {
        amqp_url: Some("amqp://u:p@h:1/%2f".into()),
        ..Overrides::default()
    };
    let s = Settings::load_from(
        Path::new("/nonexistent/default.toml"),
        None,
        env,
        &overrides,
    )
    .expect("loads");
    assert_eq!(login(&s.amqp.url), ("u".into(), "x@y".into()));
}
