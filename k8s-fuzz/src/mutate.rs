//! A small, deterministic mutator for the stable run of the targets.
//!
//! libfuzzer mutates far better, guided by coverage; this exists so that
//! `cargo test` on stable tries more than the seeds themselves, the same
//! inputs on every run (a failure reproduces), in a few seconds.

/// splitmix64: a seeded stream of pseudo-random numbers.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A stream that depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

/// Bytes that mean something to the parsers under test.
const INTERESTING: &[u8] = b"\0\x7f\xff\"'\\{}[]:,\n\r\t -&*<!|>#%.0159eEuZT";

/// Mutated inputs are cut to this length, so a loop of duplications cannot
/// grow one without bound.
const MAX_LEN: usize = 64 << 10;

/// Makes mutants of seeds: byte flips and replacements, deletions,
/// duplications, dictionary tokens and splices with other seeds, one to four
/// of them stacked.
#[derive(Debug)]
pub struct Mutator<'a> {
    rng: Rng,
    seeds: &'a [Vec<u8>],
    dict: &'a [Vec<u8>],
}

impl<'a> Mutator<'a> {
    /// A mutator of `seeds`, inserting tokens of `dict`, whose choices depend
    /// only on `seed`.
    pub fn new(seed: u64, seeds: &'a [Vec<u8>], dict: &'a [Vec<u8>]) -> Self {
        Mutator {
            rng: Rng::new(seed),
            seeds,
            dict,
        }
    }

    /// The next mutant, of a seed picked at random.
    pub fn next_input(&mut self) -> Vec<u8> {
        let mut data = match self.seeds.len() {
            0 => Vec::new(),
            n => self.seeds[self.rng.below(n)].clone(),
        };
        for _ in 0..1 + self.rng.below(4) {
            self.mutate_once(&mut data);
        }
        data.truncate(MAX_LEN);
        data
    }

    fn mutate_once(&mut self, data: &mut Vec<u8>) {
        let len = data.len();
        let at = self.rng.below(len + 1);
        match self.rng.below(9) {
            0 if len > 0 => data[at.min(len - 1)] ^= 1 << self.rng.below(8),
            1 if len > 0 => data[at.min(len - 1)] = self.rng.next_u64() as u8,
            2 if len > 0 => {
                data[at.min(len - 1)] = INTERESTING[self.rng.below(INTERESTING.len())];
            }
            3 => {
                let n = self.rng.below((len - at).min(64) + 1);
                data.drain(at..at + n);
            }
            4 => {
                let n = self.rng.below((len - at).min(256) + 1);
                let copy = data[at..at + n].to_vec();
                let to = self.rng.below(len + 1);
                splice_in(data, to, &copy);
            }
            5 | 6 if !self.dict.is_empty() => {
                let token = self.dict[self.rng.below(self.dict.len())].clone();
                splice_in(data, at, &token);
            }
            7 if !self.seeds.is_empty() => {
                let other = &self.seeds[self.rng.below(self.seeds.len())];
                let from = self.rng.below(other.len() + 1);
                let n = self.rng.below((other.len() - from).min(512) + 1);
                let piece = other[from..from + n].to_vec();
                splice_in(data, at, &piece);
            }
            _ => data.truncate(at),
        }
    }
}

fn splice_in(data: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    data.splice(at..at, bytes.iter().copied());
}
