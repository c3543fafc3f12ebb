//! `web-scraper chaos`, the tour's fault drill for the shared crawl: three
//! crawlers over 5,000 generated pages, one SIGKILLed every half second or
//! so and a new one started, and Redis SIGKILLed once and restarted from
//! its append-only file. The command starts its own Redis (it must kill
//! it); this test first starts one of its own only to learn that it can,
//! and without `redis-server` it says why and leaves the marker that fails
//! CI (see `support/redis_server.rs`). It runs a demo, so it is part of
//! the tour, which `cargo xtask new --lib-only` leaves out.

#![cfg(all(unix, feature = "site", feature = "redis"))]

mod support;

use std::process::Command;
use support::binary::BINARY;
use support::redis_server::RedisServer;

#[test]
fn crawlers_and_redis_killed_at_random_lose_no_page() {
    match RedisServer::start("crawlers_and_redis_killed_at_random_lose_no_page") {
        Ok(redis) => drop(redis),
        Err(why) => {
            eprintln!("SKIPPED crawlers_and_redis_killed_at_random_lose_no_page: {why}");
            return;
        }
    }
    let output = Command::new(BINARY)
        .args(["chaos", "--pages", "5000", "--crawlers", "3"])
        .args(["--kill-every-ms", "500", "--lease", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    println!("{}", stdout.trim());
    let figure = |name: &str| -> f64 {
        let after = stdout.split(name).nth(1).expect(name);
        let number: String = after
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        number.parse().expect(name)
    };
    assert_eq!(figure("recorded"), 5000.0, "{stdout}");
    assert_eq!(figure("Redis killed"), 1.0, "{stdout}");
    assert!(figure("crawlers killed") >= 5.0, "too few kills: {stdout}");
    // The bound, checked by the command too: each crawler death repeats at
    // most what that crawler held.
    let deaths = figure("crawlers killed") + figure("lost Redis");
    assert!(figure("repeated") <= deaths * figure("at most"), "{stdout}");
}

#[test]
fn bad_chaos_settings_are_refused_before_anything_starts() {
    for args in [
        &["chaos", "--pages", "0"][..],
        &["chaos", "--crawlers", "0"],
        &["chaos", "--kill-every-ms", "lots"],
        &["chaos", "--lease", "0"],
    ] {
        let output = Command::new(BINARY).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
