//! What more than one bench needs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const MIB: u64 = 1 << 20;

/// `bytes` of xorshift64* noise (incompressible, like weights), written streaming.
pub fn noise(path: &Path, bytes: u64, seed: u64) {
    let mut f = BufWriter::with_capacity(MIB as usize, File::create(path).expect("create"));
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ seed.wrapping_mul(0x1234_5678_9abc_def1);
    let mut buf = vec![0u8; MIB as usize];
    let mut left = bytes;
    while left > 0 {
        for chunk in buf.chunks_exact_mut(8) {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            chunk.copy_from_slice(&state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
        let take = left.min(MIB) as usize;
        f.write_all(&buf[..take]).expect("write");
        left -= take as u64;
    }
    f.flush().expect("flush");
}
