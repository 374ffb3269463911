//! Rule O5: `ctxlocal::log::TraceFieldsLogger` adds the `#[local(trace)]` fields of the
//! current context to the key-values of every `log` record, with their types, before handing
//! it to a real logger (`env_logger`, which writes key-values with its `kv` feature).
#![cfg(feature = "log")]

use std::collections::BTreeMap;
use std::sync::Mutex;

use ctxlocal::async_local;
use ctxlocal::log::TraceFieldsLogger;
use log::Log;
use log::kv::{Key, Value, VisitSource};

use crate::support::Captured;

#[async_local]
struct Job {
    #[local(trace)]
    job_id: String,
    #[local(trace)]
    attempt: Option<u32>,
    #[local(trace)]
    urgent: bool,
    #[local(trace)]
    load: f64,
    untraced: String,
}

/// `env_logger`, writing to `captured`, without timestamps or colours.
fn env_logger(captured: &Captured) -> env_logger::Logger {
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Info)
        .format_timestamp(None)
        .write_style(env_logger::WriteStyle::Never)
        .target(env_logger::Target::Pipe(Box::new(captured.clone())))
        .build()
}

/// A record like `log::warn!(target: "jobs", order = 7; "retrying")` would make.
fn log_retrying(logger: &dyn Log) {
    let own: [(&str, u64); 1] = [("order", 7)];
    logger.log(
        &log::Record::builder()
            .args(format_args!("retrying"))
            .level(log::Level::Warn)
            .target("jobs")
            .key_values(&own)
            .build(),
    );
}

#[test]
fn env_logger_lines_carry_the_fields_set_at_the_moment_of_each_record() {
    let captured = Captured::default();
    let logger = TraceFieldsLogger::new(env_logger(&captured));
    log_retrying(&logger);
    Job {
        job_id: "job 1".into(),
        attempt: Some(2),
        urgent: true,
        load: 0.5,
        untraced: "secret".into(),
    }
    .set();
    log_retrying(&logger);
    Job::set_attempt(None);
    log_retrying(&logger);
    assert_eq!(
        captured.lines(),
        [
            "[WARN  jobs] retrying order=7",
            "[WARN  jobs] retrying order=7 job_id=job 1 attempt=2 urgent=true load=0.5",
            "[WARN  jobs] retrying order=7 job_id=job 1 urgent=true load=0.5",
        ]
    );
}

/// A logger that keeps each record's key-values, with the type each value has.
#[derive(Default)]
struct Typed(Mutex<Vec<BTreeMap<String, String>>>);

impl Log for Typed {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        struct Pairs(BTreeMap<String, String>);
        impl<'kvs> VisitSource<'kvs> for Pairs {
            fn visit_pair(
                &mut self,
                key: Key<'kvs>,
                value: Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                let typed = if let Some(v) = value.to_i64() {
                    format!("i64 {v}")
                } else if let Some(v) = value.to_bool() {
                    format!("bool {v}")
                } else if let Some(v) = value.to_f64() {
                    format!("f64 {v}")
                } else if let Some(v) = value.to_borrowed_str() {
                    format!("str {v}")
                } else {
                    format!("display {value}")
                };
                let previous = self.0.insert(key.to_string(), typed);
                assert!(previous.is_none(), "the key {key} twice");
                Ok(())
            }
        }
        let mut pairs = Pairs(BTreeMap::new());
        record.key_values().visit(&mut pairs).unwrap();
        self.0.lock().unwrap().push(pairs.0);
    }

    fn flush(&self) {}
}

fn pairs(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|&(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn values_keep_their_type_and_a_records_own_key_wins() {
    let logger = TraceFieldsLogger::new(Typed::default());
    Job::set_job_id("job-2".into());
    Job::set_attempt(Some(3));
    Job::set_urgent(false);
    Job::set_load(1.25);
    log_retrying(&logger);
    let clashing: [(&str, &str); 2] = [("attempt", "own"), ("ctx.urgent", "own")];
    logger.log(
        &log::Record::builder()
            .args(format_args!("clash"))
            .key_values(&clashing)
            .build(),
    );
    let records = logger.inner().0.lock().unwrap();
    assert_eq!(
        records[0],
        pairs(&[
            ("order", "i64 7"),
            ("job_id", "str job-2"),
            ("attempt", "i64 3"),
            ("urgent", "bool false"),
            ("load", "f64 1.25"),
        ])
    );
    assert_eq!(
        records[1],
        pairs(&[
            ("attempt", "str own"),
            ("ctx.attempt", "i64 3"),
            ("ctx.urgent", "str own"),
            ("urgent", "bool false"),
            ("job_id", "str job-2"),
            ("load", "f64 1.25"),
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_macros_through_the_global_logger_carry_each_tasks_own_values() {
    let captured = Captured::default();
    let logger = TraceFieldsLogger::new(env_logger(&captured));
    log::set_boxed_logger(Box::new(logger)).expect("no other `log` logger in this binary");
    log::set_max_level(log::LevelFilter::Info);
    let tasks: Vec<_> = (0..50)
        .map(|n| {
            ctxlocal::spawn(async move {
                Job::set_job_id(format!("job-{n}"));
                tokio::task::yield_now().await;
                log::info!(target: "jobs", n; "done");
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let lines = captured.lines();
    assert_eq!(lines.len(), 50);
    for line in lines {
        let n = line
            .strip_prefix("[INFO  jobs] done n=")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(line.ends_with(&format!(" job_id=job-{n}")), "{line}");
    }
}
