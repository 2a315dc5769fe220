//! Golden-image test: a small scene drawn through the `xila_graphics_v1` ABI on a 64×48
//! RGB565 framebuffer must match `tests/golden/scene.png` pixel for pixel.
//!
//! To regenerate the image after an intended change, run the test with
//! `XILA_UPDATE_GOLDEN=1` and look at the new PNG before committing it. On a mismatch the
//! actual frame is written next to the test's temporary files for comparison.

mod common;

use std::path::{Path, PathBuf};

use common::{Guest, i, u};
use vm_host::graphics::{Framebuffer, PixelFormat};

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Decodes an 8-bit RGB PNG into (width, height, packed RGB bytes).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size fits")];
    let info = reader.next_frame(&mut pixels).expect("PNG frame");
    assert_eq!(
        info.color_type,
        png::ColorType::Rgb,
        "golden images are RGB"
    );
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Compares `display` with the golden image `name`, or rewrites it when
/// `XILA_UPDATE_GOLDEN=1`.
pub fn assert_golden(display: &Framebuffer, name: &str) {
    let path = golden_path(name);
    if std::env::var_os("XILA_UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        display.save_png(&path).expect("golden image written");
        eprintln!("updated {}", path.display());
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; run with XILA_UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    let (width, height, pixels) = decode_png(&expected);
    let info = vm_host::graphics::Display::info(display);
    assert_eq!((width, height), (info.width, info.height), "image size");
    let actual = display.to_rgb_bytes();
    if actual != pixels {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        display.save_png(&out).expect("actual frame written");
        let first = actual
            .chunks(3)
            .zip(pixels.chunks(3))
            .position(|(a, b)| a != b)
            .unwrap_or(0) as u32;
        panic!(
            "frame differs from {} (first at x={}, y={}); actual frame: {}",
            path.display(),
            first % width,
            first / width,
            out.display()
        );
    }
}

#[test]
fn scene_matches_the_golden_image() {
    let mut guest = Guest::with(64, 48, PixelFormat::Rgb565, 1);
    let background = guest.surface(0, 0, 64, 48);
    let s = background;
    let call = |guest: &mut Guest, name: &str, args: &[vm_core::Value]| {
        assert_eq!(guest.call(name, args), 0, "{name}");
    };
    call(&mut guest, "clear", &[u(s), u(0x10_2040)]);
    // Shapes.
    call(
        &mut guest,
        "draw_rectangle",
        &[u(s), i(2), i(2), u(20), u(12), u(0xE0_4040), u(1), u(1)],
    );
    call(
        &mut guest,
        "draw_rectangle",
        &[u(s), i(24), i(2), u(16), u(12), u(0xF0_F0F0), u(0), u(2)],
    );
    call(
        &mut guest,
        "draw_circle",
        &[u(s), i(44), i(2), u(14), u(0x40_E040), u(1), u(1)],
    );
    call(
        &mut guest,
        "draw_circle",
        &[u(s), i(42), i(20), u(18), u(0xF0_D020), u(0), u(2)],
    );
    call(
        &mut guest,
        "draw_line",
        &[u(s), i(2), i(46), i(38), i(18), u(0x40_A0F0), u(3)],
    );
    call(
        &mut guest,
        "draw_line",
        &[u(s), i(-10), i(17), i(70), i(17), u(0x80_8080), u(1)],
    );
    // Clipped: partly outside the surface.
    call(
        &mut guest,
        "draw_circle",
        &[u(s), i(56), i(40), u(16), u(0xC0_40C0), u(1), u(1)],
    );
    for x in 0..4 {
        call(
            &mut guest,
            "draw_pixel",
            &[u(s), i(2 + 2 * x), i(16), u(0xFF_FFFF)],
        );
    }
    // Text, transparent and with a background.
    guest.write(256, b"Xila");
    call(
        &mut guest,
        "draw_text",
        &[
            u(s),
            i(4),
            i(20),
            u(256),
            u(4),
            u(0xFF_FFFF),
            u(0xFFFF_FFFF),
        ],
    );
    guest.write(264, b"v1");
    call(
        &mut guest,
        "draw_text",
        &[u(s), i(4), i(31), u(264), u(2), u(0x00_0000), u(0xF0_F000)],
    );
    // A 4×4 RGB888 gradient blit.
    let gradient: Vec<u8> = (0..16u8)
        .flat_map(|index| [index * 16, 255 - index * 16, 128])
        .collect();
    guest.write(512, &gradient);
    call(
        &mut guest,
        "blit",
        &[u(s), i(26), i(34), u(4), u(4), u(512), u(48), u(1)],
    );
    call(&mut guest, "present", &[u(s)]);

    // A second, small surface on top, presented last.
    let overlay = guest.surface(30, 36, 8, 8);
    call(&mut guest, "clear", &[u(overlay), u(0xFF_8000)]);
    call(
        &mut guest,
        "draw_rectangle",
        &[u(overlay), i(1), i(1), u(6), u(6), u(0x00_0000), u(0), u(1)],
    );
    call(&mut guest, "present", &[u(overlay)]);

    assert_eq!(guest.display.flush_count(), 2);
    assert_golden(&guest.display, "scene.png");
}
