//! How the output formats scale: a result of N findings (one per node of a generated COC
//! report, each on its own resource) written by every format to a sink, at several N. The
//! time per finding should stay flat as N grows (linear time), and the heap the writers
//! add on top of the result should not grow with N (streamed, not built as one string).
//!
//! Run with `cargo bench --bench outputs` (add `-- 20000` for one size). Numbers go to
//! standard output as a table; nothing is asserted here (tests/memory/ asserts the heap
//! bounds; time targets belong in the note, not in a test that flakes on a busy machine).
//!
//! The heap column counts every allocation of the writing thread through a counting global
//! allocator (tests/support/heap.rs): the most bytes the writer held at one time beyond the
//! verdict, exactly and the same on every run. The counting costs a little time per
//! allocation, which the ms column includes.

use std::io::Write;
use std::time::Instant;

use tollgate::output::{self, Format};

#[path = "../tests/support/heap.rs"]
mod heap;
#[path = "../tests/support/large.rs"]
mod large;

fn main() {
    let sizes: Vec<usize> = match std::env::args().skip(1).find_map(|a| a.parse().ok()) {
        Some(n) => vec![n],
        None => vec![10_000, 50_000, 100_000],
    };
    let cx = large::context();
    println!("| findings | format | ms | ns/finding | MB written | peak heap while writing (KB) |");
    println!("|--:|---|--:|--:|--:|--:|");
    for n in sizes {
        let verdict = large::verdict(n);
        for format in Format::ALL {
            let started = Instant::now();
            let (bytes, peak) = heap::peak_during(|| {
                let mut sink = std::io::BufWriter::new(large::Count(0));
                output::emit(format, &verdict, &cx, &mut sink).unwrap();
                sink.flush().unwrap();
                sink.get_ref().0
            });
            let elapsed = started.elapsed();
            println!(
                "| {n} | {} | {:.1} | {:.0} | {:.1} | {:.1} |",
                format.as_str(),
                elapsed.as_secs_f64() * 1e3,
                elapsed.as_nanos() as f64 / n as f64,
                bytes as f64 / 1e6,
                peak as f64 / 1e3
            );
        }
    }
}
