//! Unit tests of `config::validate`: settings that parse but contradict each other are refused.

use crate::config::Settings;

#[test]
fn celery_settings_are_checked() {
    let mut s = Settings::default();
    assert_eq!(s.celery.task_name, "predict");
    assert!(!s.celery.plain_request_queue);
    s.celery.plain_request_queue = true;
    assert!(s.validate().is_ok());
    s.queues.queue_type = "quorum".into();
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("celery.plain_request_queue"), "{e}");
    let mut s = Settings::default();
    s.celery.task_name.clear();
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("PREDICT_WORKER__CELERY__TASK_NAME"), "{e}");
}
