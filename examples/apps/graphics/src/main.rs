//! Draws a scene with embedded-graphics primitives and fonts on a full-screen canvas, presents
//! it, then waits for a pointer press (polling a bounded number of times, so a run without
//! input still ends), marks where it happened and presents again.
//!
//! Run with a display and a scripted press:
//! `xila-vm run graphics.wasm --display 320x240 --screenshot frame.png --input down:100,80`.

use std::process::ExitCode;
use std::time::Duration;

use vm_guest::embedded_graphics::mono_font::MonoTextStyle;
use vm_guest::embedded_graphics::mono_font::ascii::FONT_6X10;
use vm_guest::embedded_graphics::pixelcolor::Rgb888;
use vm_guest::embedded_graphics::prelude::*;
use vm_guest::embedded_graphics::primitives::{
    Circle, Line, PrimitiveStyle, PrimitiveStyleBuilder, Rectangle, RoundedRectangle, Triangle,
};
use vm_guest::embedded_graphics::text::Text;
use vm_guest::{Canvas, Display, InputEvent, poll_event};

/// How many times the app polls for input before giving up.
const POLLS: u32 = 200;
/// The pause between two polls.
const POLL_PAUSE: Duration = Duration::from_millis(5);

fn scene(canvas: &mut Canvas) -> Result<(), vm_guest::Error> {
    let size = canvas.size();
    let (width, height) = (size.width as i32, size.height as i32);
    canvas.clear(Rgb888::new(0x20, 0x40, 0x80))?;
    // A gradient band, sent as pixel data (`fill_contiguous` becomes a few `blit` calls).
    let band = Rectangle::new(Point::new(0, height - 60), Size::new(size.width, 20));
    canvas.fill_contiguous(
        &band,
        band.points()
            .map(|p| Rgb888::new((p.x * 255 / width.max(1)) as u8, 0x80, 0x40)),
    )?;
    // Ground, sun, a roof and its house, a path: the ecosystem's primitives.
    Rectangle::new(Point::new(0, height - 40), Size::new(size.width, 40))
        .into_styled(PrimitiveStyle::with_fill(Rgb888::new(0x20, 0x90, 0x30)))
        .draw(canvas)?;
    Circle::new(Point::new(width - 70, 15), 50)
        .into_styled(PrimitiveStyle::with_fill(Rgb888::YELLOW))
        .draw(canvas)?;
    let house = PrimitiveStyleBuilder::new()
        .fill_color(Rgb888::new(0xC0, 0x80, 0x50))
        .stroke_color(Rgb888::BLACK)
        .stroke_width(2)
        .build();
    RoundedRectangle::with_equal_corners(
        Rectangle::new(Point::new(40, height - 110), Size::new(80, 70)),
        Size::new(4, 4),
    )
    .into_styled(house)
    .draw(canvas)?;
    Triangle::new(
        Point::new(30, height - 110),
        Point::new(80, height - 150),
        Point::new(130, height - 110),
    )
    .into_styled(PrimitiveStyle::with_fill(Rgb888::RED))
    .draw(canvas)?;
    Line::new(Point::new(80, height - 40), Point::new(160, height))
        .into_styled(PrimitiveStyle::with_stroke(Rgb888::WHITE, 3))
        .draw(canvas)?;
    // Text twice: an embedded-graphics font (drawn pixel by pixel by the guest) and the
    // host's built-in font (one call).
    Text::new(
        "Xila VM",
        Point::new(8, 16),
        MonoTextStyle::new(&FONT_6X10, Rgb888::WHITE),
    )
    .draw(canvas)?;
    canvas.text(Point::new(8, 24), "host font: touch me", Rgb888::CYAN, None)?;
    Ok(())
}

/// A crosshair in a ring where the pointer went down.
fn marker(canvas: &mut Canvas, at: Point) -> Result<(), vm_guest::Error> {
    Circle::with_center(at, 21)
        .into_styled(PrimitiveStyle::with_stroke(Rgb888::MAGENTA, 2))
        .draw(canvas)?;
    canvas.line(
        at - Point::new(12, 0),
        at + Point::new(12, 0),
        Rgb888::MAGENTA,
        1,
    )?;
    canvas.line(
        at - Point::new(0, 12),
        at + Point::new(0, 12),
        Rgb888::MAGENTA,
        1,
    )?;
    canvas.text(
        at + Point::new(14, 4),
        "here",
        Rgb888::WHITE,
        Some(Rgb888::BLACK),
    )?;
    Ok(())
}

fn run() -> Result<(), vm_guest::Error> {
    let info = Display::info()?;
    println!(
        "display {}x{} ({:?})",
        info.size.width, info.size.height, info.pixel_format
    );
    let mut canvas = Canvas::fullscreen()?;
    scene(&mut canvas)?;
    canvas.present()?;
    println!("frame 1 presented");
    for _ in 0..POLLS {
        match poll_event()? {
            Some(InputEvent::PointerDown(at)) => {
                println!("pointer down at ({}, {})", at.x, at.y);
                marker(&mut canvas, at)?;
                canvas.present()?;
                println!("frame 2 presented");
                return Ok(());
            }
            Some(other) => println!("ignored {other:?}"),
            None => std::thread::sleep(POLL_PAUSE),
        }
    }
    println!("no pointer press after {POLLS} polls");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("graphics: {error}");
            ExitCode::FAILURE
        }
    }
}
