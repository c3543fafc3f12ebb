//! The seed's `Pool(4).map(square, range(10))`: results in input order.

use super::header;
use super::jobs::Square;
use anyhow::{Result, ensure};
use process_pool::Pool;

pub fn run() -> Result<()> {
    header(
        "map",
        "squares of 0..10 on 4 worker processes, in input order",
        "Pool(4).map(square, range(10))",
    );
    let pool = Pool::builder().workers(4).build()?;
    let squares = pool
        .map((0..10).map(Square), None)
        .into_iter()
        .collect::<Result<Vec<u64>, _>>()?;
    ensure!(
        squares == (0..10).map(|n| n * n).collect::<Vec<_>>(),
        "wrong squares: {squares:?}"
    );
    println!("{squares:?}");
    pool.shutdown(std::time::Duration::from_secs(10));
    Ok(())
}
