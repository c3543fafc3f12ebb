//! The seed's restaurant story. The parent takes orders; each order goes to
//! a child process (the kitchen) that cooks it, makes the bill and takes
//! payment, then sends a receipt back over ipc-channel. The parent starts a
//! delivery thread per receipt. Every order is delivered exactly once.
//!
//! Processes for the work that must not bring the restaurant down if it
//! fails; threads for the light, waiting work of delivery.

use super::{CONNECT_LIMIT, header};
use anyhow::{Context, Result, ensure};
use child_processes::ipc::{Bootstrap, connect_and_send};
use child_processes::task::{ChildTask, arg};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

/// The orders of the evening: (table, dish).
const ORDERS: [(u32, &str); 3] = [(1, "pizza"), (2, "pasta"), (3, "salad")];

/// What the kitchen hands back.
#[derive(Debug, Serialize, Deserialize)]
pub struct Receipt {
    pub table: u32,
    pub dish: String,
    pub cents: u64,
    pub kitchen_pid: u32,
}

/// The menu, in the kitchen: price in cents.
fn price(dish: &str) -> Option<u64> {
    match dish {
        "pizza" => Some(1250),
        "pasta" => Some(1100),
        "salad" => Some(850),
        _ => None,
    }
}

pub fn run() -> Result<()> {
    header(
        "restaurant",
        "a child process per order, a delivery thread per receipt",
        "the seed's restaurant story",
    );
    let mut kitchens = Vec::new();
    for (table, dish) in ORDERS {
        let bootstrap = Bootstrap::<Receipt>::new()?;
        let kitchen = Cook {
            table,
            dish: dish.to_string(),
            server: bootstrap.name().to_string(),
        }
        .builder()
        .start()?;
        println!("order taken: table {table}, {dish}");
        kitchens.push((bootstrap, kitchen));
    }
    let delivered: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    thread::scope(|scope| -> Result<()> {
        for (bootstrap, mut kitchen) in kitchens {
            let (_, receipt) = bootstrap.accept(&mut kitchen, CONNECT_LIMIT)?;
            ensure!(kitchen.join()?.success(), "a kitchen process failed");
            let delivered = &delivered;
            scope.spawn(move || {
                thread::sleep(Duration::from_millis(10));
                println!(
                    "delivered to table {}: {}, paid {}.{:02}, cooked by pid {}",
                    receipt.table,
                    receipt.dish,
                    receipt.cents / 100,
                    receipt.cents % 100,
                    receipt.kitchen_pid
                );
                delivered
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(receipt.table);
            });
        }
        Ok(())
    })?;
    let mut delivered = delivered
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    delivered.sort_unstable();
    let tables: Vec<u32> = ORDERS.iter().map(|&(table, _)| table).collect();
    ensure!(
        delivered == tables,
        "deliveries {delivered:?} do not match the orders {tables:?}"
    );
    println!(
        "every order was delivered exactly once: {} orders, {} deliveries",
        ORDERS.len(),
        delivered.len()
    );
    Ok(())
}

/// The kitchen: cooks one order, bills it, and sends the receipt through
/// the bootstrap server `server`.
pub struct Cook {
    pub table: u32,
    pub dish: String,
    pub server: String,
}

impl ChildTask for Cook {
    const ROLE: &'static str = "kitchen";

    fn to_args(&self) -> Vec<String> {
        vec![
            self.table.to_string(),
            self.dish.clone(),
            self.server.clone(),
        ]
    }

    fn from_args(args: &[String]) -> Result<Self> {
        Ok(Cook {
            table: arg(args, 0)?,
            dish: arg(args, 1)?,
            server: arg(args, 2)?,
        })
    }

    fn run(self) -> Result<()> {
        let dish = self.dish;
        let cents = price(&dish).with_context(|| format!("{dish} is not on the menu"))?;
        thread::sleep(Duration::from_millis(20)); // cooking
        let receipt = Receipt {
            table: self.table,
            dish,
            cents,
            kitchen_pid: std::process::id(),
        };
        connect_and_send(&self.server, receipt)?;
        Ok(())
    }
}
