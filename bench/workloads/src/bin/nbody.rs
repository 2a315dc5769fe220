//! `nbody`: CPU-bound, floating point. The Computer Language Benchmarks Game's n-body
//! simulation (Jovian planets, symplectic integrator), size-argument steps of 0.01.
//! Prints the energy before and after like the original; checksum: the bits of the final
//! energy in hex (IEEE arithmetic and `sqrt` are exact, so every target agrees to the bit).

#![allow(clippy::needless_range_loop)] // the original's index-by-axis style

const PI: f64 = std::f64::consts::PI;
const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;

#[derive(Clone, Copy)]
struct Body {
    position: [f64; 3],
    velocity: [f64; 3],
    mass: f64,
}

fn bodies() -> [Body; 5] {
    let sun = Body {
        position: [0.0; 3],
        velocity: [0.0; 3],
        mass: SOLAR_MASS,
    };
    let jupiter = Body {
        position: [
            4.841_431_442_464_72e0,
            -1.160_320_044_027_428_4e0,
            -1.036_220_444_711_231_1e-1,
        ],
        velocity: [
            1.660_076_642_744_037e-3 * DAYS_PER_YEAR,
            7.699_011_184_197_404e-3 * DAYS_PER_YEAR,
            -6.904_600_169_720_63e-5 * DAYS_PER_YEAR,
        ],
        mass: 9.547_919_384_243_266e-4 * SOLAR_MASS,
    };
    let saturn = Body {
        position: [
            8.343_366_718_244_58e0,
            4.124_798_564_124_305e0,
            -4.035_234_171_143_214e-1,
        ],
        velocity: [
            -2.767_425_107_268_624e-3 * DAYS_PER_YEAR,
            4.998_528_012_349_172e-3 * DAYS_PER_YEAR,
            2.304_172_975_737_639_3e-5 * DAYS_PER_YEAR,
        ],
        mass: 2.858_859_806_661_308e-4 * SOLAR_MASS,
    };
    let uranus = Body {
        position: [
            1.289_436_956_213_913_1e1,
            -1.511_115_140_169_863_1e1,
            -2.233_075_788_926_557_3e-1,
        ],
        velocity: [
            2.964_601_375_647_616e-3 * DAYS_PER_YEAR,
            2.378_471_739_594_809_5e-3 * DAYS_PER_YEAR,
            -2.965_895_685_402_375_6e-5 * DAYS_PER_YEAR,
        ],
        mass: 4.366_244_043_351_563e-5 * SOLAR_MASS,
    };
    let neptune = Body {
        position: [
            1.537_969_711_485_091_1e1,
            -2.591_931_460_998_796_4e1,
            1.792_587_729_503_711_8e-1,
        ],
        velocity: [
            2.680_677_724_903_893_2e-3 * DAYS_PER_YEAR,
            1.628_241_700_382_423e-3 * DAYS_PER_YEAR,
            -9.515_922_545_197_159e-5 * DAYS_PER_YEAR,
        ],
        mass: 5.151_389_020_466_114_5e-5 * SOLAR_MASS,
    };
    [sun, jupiter, saturn, uranus, neptune]
}

fn offset_momentum(bodies: &mut [Body; 5]) {
    let mut momentum = [0.0; 3];
    for body in bodies.iter() {
        for k in 0..3 {
            momentum[k] += body.velocity[k] * body.mass;
        }
    }
    for k in 0..3 {
        bodies[0].velocity[k] = -momentum[k] / SOLAR_MASS;
    }
}

fn energy(bodies: &[Body; 5]) -> f64 {
    let mut energy = 0.0;
    for (i, body) in bodies.iter().enumerate() {
        let v = body.velocity;
        energy += 0.5 * body.mass * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for other in &bodies[i + 1..] {
            let d = [
                body.position[0] - other.position[0],
                body.position[1] - other.position[1],
                body.position[2] - other.position[2],
            ];
            energy -= body.mass * other.mass / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        }
    }
    energy
}

fn advance(bodies: &mut [Body; 5], dt: f64) {
    for i in 0..5 {
        let (left, right) = bodies.split_at_mut(i + 1);
        let body = &mut left[i];
        for other in right.iter_mut() {
            let d = [
                body.position[0] - other.position[0],
                body.position[1] - other.position[1],
                body.position[2] - other.position[2],
            ];
            let distance_squared = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            let magnitude = dt / (distance_squared * distance_squared.sqrt());
            for k in 0..3 {
                body.velocity[k] -= d[k] * other.mass * magnitude;
                other.velocity[k] += d[k] * body.mass * magnitude;
            }
        }
    }
    for body in bodies.iter_mut() {
        for k in 0..3 {
            body.position[k] += dt * body.velocity[k];
        }
    }
}

fn main() {
    let steps = workloads::size_arg(1_000_000);
    let mut bodies = bodies();
    offset_momentum(&mut bodies);
    println!("{:.9}", energy(&bodies));
    for _ in 0..std::hint::black_box(steps) {
        advance(&mut bodies, 0.01);
    }
    let end = energy(&bodies);
    println!("{end:.9}");
    workloads::print_checksum(format_args!("{:016x}", end.to_bits()));
}
