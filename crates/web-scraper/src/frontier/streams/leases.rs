//! What a crawler holds: its leases, renewed by a task of their own so
//! that a loop held up (by a slow reader of the records, say) never lets
//! them run out.

use super::connection::{FrontierConfig, FrontierError, unix_ms};
use super::protocol::{HOLD, Keys};
use redis::RedisError;
use redis::aio::MultiplexedConnection;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The URLs a crawler holds, at the level it works on.
#[derive(Default)]
pub(super) struct Leases {
    pub(super) depth: u32,
    pub(super) ids: HashSet<String>,
}

pub(super) fn lock(leases: &Mutex<Leases>) -> std::sync::MutexGuard<'_, Leases> {
    // A panic while holding it leaves a set of ids, which is still whole.
    leases
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sets the idle time of the leases in `leases` to `idle`, and notes that
/// the crawler is alive; returns how many were still its own.
pub(super) async fn hold(
    connection: &mut MultiplexedConnection,
    keys: &Keys,
    consumer: &str,
    leases: &Mutex<Leases>,
    idle: Duration,
) -> Result<usize, RedisError> {
    let invocation = {
        let leases = lock(leases);
        let mut invocation = HOLD.key(keys.queue(leases.depth));
        invocation
            .key(keys.crawlers())
            .arg(consumer)
            .arg(idle.as_millis() as u64)
            .arg(unix_ms());
        for id in &leases.ids {
            invocation.arg(id);
        }
        invocation
    };
    invocation.invoke_async(connection).await
}

/// The renewer: every third of a lease, renews every lease the crawler
/// holds. Returns only when Redis fails it.
pub(super) async fn renew(
    mut connection: MultiplexedConnection,
    keys: Keys,
    consumer: String,
    config: FrontierConfig,
    leases: Arc<Mutex<Leases>>,
) -> FrontierError {
    let mut every = tokio::time::interval(config.lease / 3);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = hold(&mut connection, &keys, &consumer, &leases, Duration::ZERO).await {
            return FrontierError::Lost {
                url: config.url,
                error,
            };
        }
    }
}
