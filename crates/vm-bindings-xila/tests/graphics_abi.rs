//! `xila_graphics_v1` through real guests: every function with valid and invalid arguments.

mod common;

use common::{Guest, i, u};
use vm_bindings_xila::Errno;
use vm_bindings_xila::graphics::{MAX_BLIT_BYTES, MAX_SURFACES, MAX_TEXT_BYTES};
use vm_host::graphics::{InputEvent, PixelFormat, Rgb888, RgbColor};

fn e(errno: Errno) -> i32 {
    i32::from(errno.raw())
}

const WHITE: u32 = 0xFF_FFFF;
const RED: u32 = 0xFF_0000;

#[test]
fn display_info_reports_size_and_format() {
    let mut guest = Guest::with(32, 24, PixelFormat::Rgb565, 1);
    assert_eq!(guest.call("display_info", &[u(8)]), 0);
    assert_eq!(guest.read(8, 12), [32, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        guest.call("display_info", &[u(65_536 - 8)]),
        e(Errno::Fault)
    );
    assert_eq!(guest.call("display_info", &[u(2)]), e(Errno::Invalid));
    let mut guest = Guest::new(5, 6);
    assert_eq!(guest.call("display_info", &[u(0)]), 0);
    assert_eq!(guest.read_u32(8), 1);
}

#[test]
fn surface_create_validates_size_pointer_and_count() {
    let mut guest = Guest::new(16, 8);
    for (width, height) in [(0, 1), (1, 0), (17, 1), (1, 9), (u32::MAX, u32::MAX)] {
        assert_eq!(
            guest.call("surface_create", &[i(0), i(0), u(width), u(height), u(0)]),
            e(Errno::Invalid)
        );
    }
    assert_eq!(
        guest.call("surface_create", &[i(0), i(0), u(4), u(4), u(65_535)]),
        e(Errno::Fault)
    );
    assert_eq!(
        guest.call("surface_create", &[i(0), i(0), u(4), u(4), u(1)]),
        e(Errno::Invalid)
    );
    assert_eq!(guest.surface_count(), 0, "failed calls create nothing");
    let mut handles = Vec::new();
    for index in 0..MAX_SURFACES {
        // Anywhere, even far off the display.
        handles.push(guest.surface(i32::MIN + index as i32, i32::MAX, 16, 8));
    }
    assert!(handles.iter().all(|&handle| handle != 0));
    assert_eq!(
        guest.call("surface_create", &[i(0), i(0), u(1), u(1), u(0)]),
        e(Errno::TooManyHandles)
    );
    assert_eq!(guest.call("surface_destroy", &[u(handles[3])]), 0);
    guest.surface(0, 0, 1, 1);
}

#[test]
fn bad_and_stale_handles_are_ebadf() {
    let mut guest = Guest::new(8, 8);
    let surface = guest.surface(0, 0, 8, 8);
    assert_eq!(guest.call("surface_destroy", &[u(surface)]), 0);
    assert_eq!(
        guest.call("surface_destroy", &[u(surface)]),
        e(Errno::BadHandle),
        "double destroy"
    );
    guest.write(64, b"hi");
    guest.write(128, &[0; 3]);
    for handle in [0, surface, 0xDEAD_BEEF, surface + 1] {
        let bad = e(Errno::BadHandle);
        assert_eq!(guest.call("surface_destroy", &[u(handle)]), bad);
        assert_eq!(guest.call("clear", &[u(handle), u(RED)]), bad);
        assert_eq!(
            guest.call("draw_pixel", &[u(handle), i(0), i(0), u(RED)]),
            bad
        );
        assert_eq!(
            guest.call(
                "draw_line",
                &[u(handle), i(0), i(0), i(1), i(1), u(RED), u(1)]
            ),
            bad
        );
        assert_eq!(
            guest.call(
                "draw_rectangle",
                &[u(handle), i(0), i(0), u(1), u(1), u(RED), u(1), u(1)]
            ),
            bad
        );
        assert_eq!(
            guest.call(
                "draw_circle",
                &[u(handle), i(0), i(0), u(4), u(RED), u(1), u(1)]
            ),
            bad
        );
        assert_eq!(
            guest.call(
                "draw_text",
                &[u(handle), i(0), i(0), u(64), u(2), u(RED), u(0)]
            ),
            bad
        );
        assert_eq!(
            guest.call(
                "blit",
                &[u(handle), i(0), i(0), u(1), u(1), u(128), u(3), u(1)]
            ),
            bad
        );
        assert_eq!(guest.call("present", &[u(handle)]), bad);
    }
    // A new surface in the freed slot does not revive the old handle.
    let fresh = guest.surface(0, 0, 2, 2);
    assert_ne!(fresh, surface);
    assert_eq!(
        guest.call("clear", &[u(surface), u(RED)]),
        e(Errno::BadHandle)
    );
    assert_eq!(guest.call("clear", &[u(fresh), u(RED)]), 0);
}

#[test]
fn strokes_and_filled_flags_are_checked() {
    let mut guest = Guest::new(8, 8);
    let s = guest.surface(0, 0, 8, 8);
    for stroke in [0, 256, u32::MAX] {
        assert_eq!(
            guest.call(
                "draw_line",
                &[u(s), i(0), i(0), i(5), i(5), u(RED), u(stroke)]
            ),
            e(Errno::Invalid)
        );
        assert_eq!(
            guest.call(
                "draw_rectangle",
                &[u(s), i(0), i(0), u(4), u(4), u(RED), u(0), u(stroke)]
            ),
            e(Errno::Invalid)
        );
        assert_eq!(
            guest.call(
                "draw_circle",
                &[u(s), i(0), i(0), u(4), u(RED), u(0), u(stroke)]
            ),
            e(Errno::Invalid)
        );
        // A filled shape has no stroke.
        assert_eq!(
            guest.call(
                "draw_rectangle",
                &[u(s), i(0), i(0), u(4), u(4), u(RED), u(1), u(stroke)]
            ),
            0
        );
    }
    assert_eq!(
        guest.call(
            "draw_rectangle",
            &[u(s), i(0), i(0), u(4), u(4), u(RED), u(2), u(1)]
        ),
        e(Errno::Invalid)
    );
    assert_eq!(
        guest.call("draw_circle", &[u(s), i(0), i(0), u(4), u(RED), u(7), u(1)]),
        e(Errno::Invalid)
    );
    assert_eq!(
        guest.call("draw_line", &[u(s), i(0), i(0), i(5), i(5), u(RED), u(255)]),
        0
    );
}

/// Presents `surface` and returns the display pixel at (x, y).
fn shown(guest: &mut Guest, surface: u32, x: u32, y: u32) -> Rgb888 {
    assert_eq!(guest.call("present", &[u(surface)]), 0);
    guest.display.pixel(x, y).expect("inside the display")
}

#[test]
fn out_of_range_coordinates_are_clipped() {
    let mut guest = Guest::new(10, 10);
    let s = guest.surface(0, 0, 10, 10);
    let red = Rgb888::new(255, 0, 0);
    let extremes = [i32::MIN, -1_000_000, -1, 10, 1_000_000, i32::MAX];
    for &a in &extremes {
        for &b in &extremes {
            assert_eq!(guest.call("draw_pixel", &[u(s), i(a), i(b), u(RED)]), 0);
            assert_eq!(
                guest.call(
                    "draw_rectangle",
                    &[u(s), i(a), i(b), u(5), u(5), u(RED), u(1), u(1)]
                ),
                0
            );
            assert_eq!(
                guest.call("draw_circle", &[u(s), i(a), i(b), u(6), u(RED), u(0), u(2)]),
                0
            );
            assert_eq!(
                guest.call("draw_text", &[u(s), i(a), i(b), u(64), u(0), u(RED), u(0)]),
                0
            );
        }
    }
    assert_eq!(
        shown(&mut guest, s, 5, 5),
        Rgb888::BLACK,
        "nothing drawn inside"
    );

    // Huge shapes that cover the surface are drawn, clipped.
    assert_eq!(
        guest.call(
            "draw_rectangle",
            &[
                u(s),
                i(i32::MIN),
                i(i32::MIN),
                u(u32::MAX),
                u(u32::MAX),
                u(RED),
                u(1),
                u(1)
            ]
        ),
        0
    );
    assert_eq!(shown(&mut guest, s, 9, 9), red);
    assert_eq!(guest.call("clear", &[u(s), u(0)]), 0);
    assert_eq!(
        guest.call(
            "draw_line",
            &[
                u(s),
                i(i32::MIN),
                i(i32::MIN),
                i(i32::MAX),
                i(i32::MAX),
                u(WHITE),
                u(1)
            ]
        ),
        0
    );
    assert_eq!(shown(&mut guest, s, 4, 4), Rgb888::new(255, 255, 255));
    assert_eq!(guest.display.pixel(4, 5), Some(Rgb888::BLACK));
    // A circle larger than the limit that touches the surface is refused; far away it is not
    // even looked at.
    assert_eq!(
        guest.call(
            "draw_circle",
            &[u(s), i(-20_000), i(-20_000), u(40_000), u(RED), u(1), u(1)]
        ),
        e(Errno::Invalid)
    );
    assert_eq!(
        guest.call(
            "draw_circle",
            &[u(s), i(100), i(100), u(u32::MAX), u(RED), u(1), u(1)]
        ),
        0
    );
    // A big circle around the surface, filled: covers it.
    assert_eq!(
        guest.call(
            "draw_circle",
            &[u(s), i(-100), i(-100), u(210), u(RED), u(1), u(1)]
        ),
        0
    );
    assert_eq!(shown(&mut guest, s, 0, 9), red);

    // A surface partly off the display is clipped at present.
    let off = guest.surface(-5, 8, 10, 10);
    assert_eq!(guest.call("clear", &[u(off), u(WHITE)]), 0);
    assert_eq!(shown(&mut guest, off, 4, 9), Rgb888::new(255, 255, 255));
    assert_eq!(guest.display.pixel(5, 9), Some(red));
    assert_eq!(guest.display.pixel(4, 7), Some(red));
}

#[test]
fn text_is_checked_and_drawn() {
    let mut guest = Guest::new(32, 16);
    let s = guest.surface(0, 0, 32, 16);
    guest.write(100, b"A\xFFB");
    assert_eq!(
        guest.call(
            "draw_text",
            &[u(s), i(0), i(0), u(100), u(3), u(WHITE), u(0)]
        ),
        e(Errno::IllegalSequence)
    );
    assert_eq!(
        guest.call(
            "draw_text",
            &[
                u(s),
                i(0),
                i(0),
                u(100),
                u(MAX_TEXT_BYTES + 1),
                u(WHITE),
                u(0)
            ]
        ),
        e(Errno::NameTooLong)
    );
    assert_eq!(
        guest.call(
            "draw_text",
            &[u(s), i(0), i(0), u(65_530), u(10), u(WHITE), u(0)]
        ),
        e(Errno::Fault)
    );
    assert_eq!(
        guest.call(
            "draw_text",
            &[u(s), i(0), i(0), u(8192), u(MAX_TEXT_BYTES), u(WHITE), u(0)]
        ),
        0,
        "4096 NUL bytes are valid UTF-8"
    );
    guest.write(100, b"I");
    // Red background, white glyph: the background fills the 6x10 cell.
    assert_eq!(
        guest.call(
            "draw_text",
            &[u(s), i(0), i(0), u(100), u(1), u(WHITE), u(RED)]
        ),
        0
    );
    assert_eq!(shown(&mut guest, s, 0, 0), Rgb888::new(255, 0, 0));
    assert_eq!(guest.display.pixel(6, 0), Some(Rgb888::BLACK));
    let glyph = (0..6)
        .flat_map(|x| (0..10).map(move |y| (x, y)))
        .filter(|&(x, y)| guest.display.pixel(x, y) == Some(Rgb888::new(255, 255, 255)))
        .count();
    assert!(glyph > 3, "the glyph has white pixels");
}

#[test]
fn blit_checks_sizes_formats_and_pointers() {
    let mut guest = Guest::with(4, 4, PixelFormat::Rgb888, 80);
    let s = guest.surface(0, 0, 4, 4);
    let blit = |guest: &mut Guest, w: u32, h: u32, ptr: u32, len: u32, format: u32| {
        guest.call(
            "blit",
            &[u(s), i(0), i(0), u(w), u(h), u(ptr), u(len), u(format)],
        )
    };
    assert_eq!(
        blit(&mut guest, 1, 1, 0, 3, 2),
        e(Errno::Invalid),
        "bad format"
    );
    assert_eq!(
        blit(&mut guest, 1, 1, 0, 2, 1),
        e(Errno::Invalid),
        "short buffer"
    );
    assert_eq!(
        blit(&mut guest, 1, 1, 0, 3, 0),
        e(Errno::Invalid),
        "wrong length for RGB565"
    );
    assert_eq!(
        blit(&mut guest, 1024, 1366, 0, MAX_BLIT_BYTES + 4 * 1024, 1),
        e(Errno::TooBig)
    );
    assert_eq!(
        blit(&mut guest, 65_536, 65_536, 0, 0, 1),
        e(Errno::Invalid),
        "width × height overflowing 32 bits is not 0"
    );
    // Exactly 4 MiB is allowed (the memory has 5 MiB): a 1024 × 1024 RGB565 image, clipped.
    assert_eq!(blit(&mut guest, 1024, 1024, 0, MAX_BLIT_BYTES / 2, 0), 0);
    assert_eq!(blit(&mut guest, 1024, 2048, 0, MAX_BLIT_BYTES, 0), 0);
    assert_eq!(
        blit(&mut guest, 2, 1, 80 * 65_536 - 3, 6, 1),
        e(Errno::Fault),
        "buffer past the end of memory"
    );
    // A 2 × 2 RGB888 image at (3, 3): only its top-left pixel is visible.
    guest.write(64, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert_eq!(
        guest.call("blit", &[u(s), i(3), i(3), u(2), u(2), u(64), u(12), u(1)]),
        0
    );
    assert_eq!(
        guest.call(
            "blit",
            &[
                u(s),
                i(i32::MAX),
                i(i32::MIN),
                u(2),
                u(2),
                u(64),
                u(12),
                u(1)
            ]
        ),
        0
    );
    assert_eq!(shown(&mut guest, s, 3, 3), Rgb888::new(1, 2, 3));
}

#[test]
fn present_copies_at_the_position_and_flushes() {
    let mut guest = Guest::new(8, 8);
    let s = guest.surface(2, 3, 2, 2);
    assert_eq!(guest.call("clear", &[u(s), u(0x00_80FF)]), 0);
    assert_eq!(
        guest.display.flush_count(),
        0,
        "nothing shown before present"
    );
    assert_eq!(guest.display.pixel(2, 3), Some(Rgb888::BLACK));
    assert_eq!(guest.call("present", &[u(s)]), 0);
    assert_eq!(guest.display.flush_count(), 1);
    assert_eq!(guest.display.pixel(2, 3), Some(Rgb888::new(0, 0x80, 0xFF)));
    assert_eq!(guest.display.pixel(3, 4), Some(Rgb888::new(0, 0x80, 0xFF)));
    assert_eq!(guest.display.pixel(4, 4), Some(Rgb888::BLACK));
}

#[test]
fn rgb565_display_stores_reduced_colors() {
    let mut guest = Guest::with(2, 2, PixelFormat::Rgb565, 1);
    let s = guest.surface(0, 0, 2, 2);
    assert_eq!(guest.call("clear", &[u(s), u(0x12_3456)]), 0);
    let pixel = shown(&mut guest, s, 0, 0);
    assert_eq!(pixel, Rgb888::new(0x10, 0x35, 0x52));
}

#[test]
fn input_events_come_out_in_order() {
    let mut guest = Guest::new(8, 8);
    let script = [
        InputEvent::PointerDown { x: 1, y: 2 },
        InputEvent::PointerMove { x: -3, y: 4 },
        InputEvent::PointerUp { x: 5, y: 6 },
        InputEvent::KeyDown { key: 'a' as u32 },
        InputEvent::KeyUp { key: 0x1F600 },
    ];
    for event in script {
        guest.display.push_input(event);
    }
    // A bad pointer consumes nothing.
    assert_eq!(guest.call("poll_event", &[u(65_530)]), e(Errno::Fault));
    assert_eq!(guest.call("poll_event", &[u(6)]), e(Errno::Invalid));
    let mut seen = Vec::new();
    for _ in 0..6 {
        guest.write(32, &[0xAA; 16]);
        assert_eq!(guest.call("poll_event", &[u(32)]), 0);
        let words: Vec<u32> = guest
            .read(32, 16)
            .chunks(4)
            .map(|word| u32::from_le_bytes(word.try_into().expect("4 bytes")))
            .collect();
        seen.push(words);
    }
    assert_eq!(
        seen,
        [
            vec![1, 1, 2, 0],
            vec![3, (-3_i32) as u32, 4, 0],
            vec![2, 5, 6, 0],
            vec![4, 0, 0, 'a' as u32],
            vec![5, 0, 0, 0x1F600],
            vec![0, 0, 0, 0],
        ]
    );
}

#[test]
fn a_module_without_memory_gets_efault_for_pointers() {
    let mut guest = Guest::with(8, 8, PixelFormat::Rgb888, 0);
    assert_eq!(guest.call("display_info", &[u(0)]), e(Errno::Fault));
    assert_eq!(
        guest.call("surface_create", &[i(0), i(0), u(1), u(1), u(0)]),
        e(Errno::Fault)
    );
    assert_eq!(guest.call("poll_event", &[u(0)]), e(Errno::Fault));
    assert_eq!(guest.call("clear", &[u(1), u(0)]), e(Errno::BadHandle));
}

#[test]
fn surfaces_are_freed_with_the_instance() {
    let guest = {
        let mut guest = Guest::new(8, 8);
        for _ in 0..5 {
            guest.surface(0, 0, 8, 8);
        }
        assert_eq!(guest.surface_count(), 5);
        guest
    };
    let display = guest.display.clone();
    // The display is shared by the instance's state and the test.
    assert_eq!(std::sync::Arc::strong_count(&display), 3);
    drop(guest);
    assert_eq!(
        std::sync::Arc::strong_count(&display),
        1,
        "the state, and with it its surfaces, is gone"
    );
}
