//! `xila_graphics_v1`: surfaces, drawing, text, blits, present and input events.
//!
//! Usage: insert a [`GraphicsState`] (built over the kernel's display) into the instance's
//! `InstanceData` and call [`define`] once on the linker:
//!
//! ```ignore
//! let display: Arc<dyn Display> = Arc::new(Framebuffer::new(320, 240, PixelFormat::Rgb565)?);
//! vm_bindings_xila::graphics::define(&mut linker)?;
//! data.insert(GraphicsState::new(display.clone()));
//! ```
//!
//! Each surface is a host-side RGB888 buffer that is an `embedded-graphics` `DrawTarget`;
//! drawing uses the ecosystem's primitives (`Line`, `Rectangle`, `Circle` with
//! `PrimitiveStyle`) and its 6×10 monospace font, so a guest gets the same pixels as an app
//! drawing natively with `embedded-graphics`. `present` copies the surface to the display at
//! its position ([`Display::draw`]) and flushes. Surfaces live in a [`HandleTable`] inside the
//! state, so they are freed when the instance (and with it its `InstanceData`) is dropped.
//!
//! # Behaviour that `docs/bindings.md` leaves open
//!
//! - A new surface is black. Surfaces may be placed anywhere, even partly or wholly off the
//!   display; `present` clips. Overlapping surfaces: the last presented is on top.
//! - Colors are `0x00RRGGBB`; the top byte is ignored (except for the transparent text
//!   background `0xFFFFFFFF`).
//! - Rectangle and circle outlines are drawn *inside* their bounding box (the shape never
//!   grows past `width × height` / `diameter`). `stroke` is checked (1–255) for outlines and
//!   lines; a filled shape ignores it. `filled` other than 0 or 1 is `EINVAL`.
//! - A circle's diameter is at most [`MAX_DIAMETER`] (`EINVAL` beyond) when the circle
//!   touches the surface: `embedded-graphics` computes squared distances in `i32`.
//! - Checks run in this order: the handle (`EBADF`), the scalar arguments (`EINVAL`, `E2BIG`,
//!   `ENAMETOOLONG`), then guest memory (`EFAULT`, `EILSEQ`); an out-pointer is checked
//!   before anything changes, so a failed call has no effect (`surface_create` creates no
//!   surface, `poll_event` consumes no event).
//! - Text is ASCII in the 6×10 font (other characters show as `?`); `\n` starts a new line.

mod clip;
mod surface;

use alloc::sync::Arc;

use embedded_graphics::Drawable;
use embedded_graphics::draw_target::DrawTarget;
use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::mono_font::MonoTextStyleBuilder;
use embedded_graphics::mono_font::ascii::FONT_6X10;
use embedded_graphics::pixelcolor::raw::RawU16;
use embedded_graphics::pixelcolor::{Rgb565, Rgb888};
use embedded_graphics::primitives::{
    Circle, Line, Primitive, PrimitiveStyle, PrimitiveStyleBuilder, Rectangle, StrokeAlignment,
};
use embedded_graphics::text::{Baseline, Text};
use vm_core::{DefineError, GuestMemory, HostContext, HostTrap, Linker};
use vm_host::graphics::{Display, GraphicsError, InputEvent, PixelFormat, visible_area};
use vm_sandbox::{Handle, HandleTable, guest_struct};

use crate::errno::Errno;
use surface::Surface;

/// The import module name of this ABI version.
pub const MODULE: &str = "xila_graphics_v1";
/// Surfaces one app may hold at once (`EMFILE` beyond).
pub const MAX_SURFACES: u32 = 16;
/// Largest `blit` buffer in bytes (`E2BIG` beyond).
pub const MAX_BLIT_BYTES: u32 = 4 * 1024 * 1024;
/// Longest `draw_text` string in bytes (`ENAMETOOLONG` beyond).
pub const MAX_TEXT_BYTES: u32 = 4096;
/// Widest stroke in pixels (`EINVAL` beyond, and for 0).
pub const MAX_STROKE: u32 = 255;
/// Largest circle diameter drawn (`EINVAL` beyond, for circles that touch the surface).
pub const MAX_DIAMETER: u32 = 8192;
/// The `draw_text` background that means "transparent".
pub const TRANSPARENT: u32 = 0xFFFF_FFFF;

/// Width and height in pixels of a glyph of the built-in font.
const GLYPH: Size = Size::new(6, 10);

guest_struct! {
    /// `DisplayInfo` as the guest sees it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct GuestDisplayInfo {
        /// Width in pixels.
        pub width: u32 = 0,
        /// Height in pixels.
        pub height: u32 = 4,
        /// 0: RGB565, 1: RGB888.
        pub pixel_format: u32 = 8,
    }
    size 12, align 4;

    /// `InputEvent` as the guest sees it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct GuestInputEvent {
        /// One of the `EVENT_*` kinds.
        pub kind: u32 = 0,
        /// Pointer events: display x.
        pub x: i32 = 4,
        /// Pointer events: display y.
        pub y: i32 = 8,
        /// Key events: the key code.
        pub key: u32 = 12,
    }
    size 16, align 4;
}

/// `InputEvent.kind`: no event was pending.
pub const EVENT_NONE: u32 = 0;
/// `InputEvent.kind`: pointer pressed.
pub const EVENT_POINTER_DOWN: u32 = 1;
/// `InputEvent.kind`: pointer released.
pub const EVENT_POINTER_UP: u32 = 2;
/// `InputEvent.kind`: pointer moved.
pub const EVENT_POINTER_MOVE: u32 = 3;
/// `InputEvent.kind`: key pressed.
pub const EVENT_KEY_DOWN: u32 = 4;
/// `InputEvent.kind`: key released.
pub const EVENT_KEY_UP: u32 = 5;

impl From<Option<InputEvent>> for GuestInputEvent {
    fn from(event: Option<InputEvent>) -> Self {
        let pointer = |kind, x, y| Self { kind, x, y, key: 0 };
        let key = |kind, key| Self {
            kind,
            x: 0,
            y: 0,
            key,
        };
        match event {
            None => Self::default(),
            Some(InputEvent::PointerDown { x, y }) => pointer(EVENT_POINTER_DOWN, x, y),
            Some(InputEvent::PointerUp { x, y }) => pointer(EVENT_POINTER_UP, x, y),
            Some(InputEvent::PointerMove { x, y }) => pointer(EVENT_POINTER_MOVE, x, y),
            Some(InputEvent::KeyDown { key: code }) => key(EVENT_KEY_DOWN, code),
            Some(InputEvent::KeyUp { key: code }) => key(EVENT_KEY_UP, code),
        }
    }
}

/// Per-instance state of the graphics bindings: the display and the app's surfaces.
///
/// Dropping it (with the instance's `InstanceData`) frees every surface the app still holds.
pub struct GraphicsState {
    display: Arc<dyn Display>,
    surfaces: HandleTable<Surface>,
}

impl core::fmt::Debug for GraphicsState {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("GraphicsState")
            .field("display", &self.display.info())
            .field("surfaces", &self.surfaces.len())
            .finish()
    }
}

impl GraphicsState {
    /// State for one app drawing on `display` (shared with other apps and the embedder).
    pub fn new(display: Arc<dyn Display>) -> Self {
        Self {
            display,
            surfaces: HandleTable::new(MAX_SURFACES),
        }
    }

    /// The display.
    pub fn display(&self) -> &Arc<dyn Display> {
        &self.display
    }

    /// Number of surfaces the app holds.
    pub fn surface_count(&self) -> usize {
        self.surfaces.len()
    }

    fn surface(&mut self, handle: u32) -> Result<&mut Surface, Errno> {
        Ok(self.surfaces.get_mut(Handle::from_raw(handle))?)
    }
}

/// A graphics function was called on an instance without a [`GraphicsState`] in its data: an
/// embedder error, so the guest traps instead of getting an errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instance has no GraphicsState in its InstanceData")]
pub struct MissingState;

type Status = Result<(), Errno>;

fn status(result: Status) -> i32 {
    match result {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.raw()),
    }
}

/// Runs a function that needs guest memory; a module without memory gets `EFAULT`.
fn with_memory(
    context: &mut HostContext<'_>,
    body: impl FnOnce(&mut GuestMemory<'_>, &mut GraphicsState) -> Status,
) -> Result<i32, HostTrap> {
    let (memory, state) = context.memory_and_data::<GraphicsState>();
    let state = state.ok_or(HostTrap::error(MissingState))?;
    let Ok(mut memory) = memory else {
        return Ok(i32::from(Errno::Fault.raw()));
    };
    Ok(status(body(&mut memory, state)))
}

/// Runs a function that only needs the state.
fn with_state(
    context: &mut HostContext<'_>,
    body: impl FnOnce(&mut GraphicsState) -> Status,
) -> Result<i32, HostTrap> {
    let state = context
        .data::<GraphicsState>()
        .ok_or(HostTrap::error(MissingState))?;
    Ok(status(body(state)))
}

/// `0x00RRGGBB` to a color (the top byte is ignored).
fn color(value: u32) -> Rgb888 {
    let [_, red, green, blue] = value.to_be_bytes();
    Rgb888::new(red, green, blue)
}

fn check_stroke(stroke: u32) -> Status {
    if (1..=MAX_STROKE).contains(&stroke) {
        Ok(())
    } else {
        Err(Errno::Invalid)
    }
}

/// `filled` as a boolean; anything but 0 or 1 is `EINVAL`.
fn check_filled(filled: u32) -> Result<bool, Errno> {
    match filled {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::Invalid),
    }
}

/// The style of a rectangle or circle: filled, or an outline inside the shape.
fn shape_style(color: Rgb888, filled: bool, stroke: u32) -> PrimitiveStyle<Rgb888> {
    if filled {
        PrimitiveStyle::with_fill(color)
    } else {
        PrimitiveStyleBuilder::new()
            .stroke_color(color)
            .stroke_width(stroke)
            .stroke_alignment(StrokeAlignment::Inside)
            .build()
    }
}

fn display_error(error: GraphicsError) -> Errno {
    match error {
        GraphicsError::BufferSize { .. } => Errno::Invalid,
        GraphicsError::OutOfMemory => Errno::NoMemory,
        GraphicsError::Device => Errno::Io,
    }
}

/// Registers every function of `xila_graphics_v1` on `linker`.
///
/// # Errors
///
/// A [`DefineError`] if a name is already defined on this linker or cannot be registered.
pub fn define(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(MODULE, "display_info", |context, (out,): (u32,)| {
        with_memory(context, |memory, state| {
            let info = state.display.info();
            memory.write(
                out,
                &GuestDisplayInfo {
                    width: info.width,
                    height: info.height,
                    pixel_format: info.format.abi_value(),
                },
            )?;
            Ok(())
        })
    })?;

    linker.define(
        MODULE,
        "surface_create",
        |context, (x, y, width, height, out): (i32, i32, u32, u32, u32)| {
            with_memory(context, |memory, state| {
                surface_create(
                    memory,
                    state,
                    Point::new(x, y),
                    Size::new(width, height),
                    out,
                )
            })
        },
    )?;

    linker.define(MODULE, "surface_destroy", |context, (surface,): (u32,)| {
        with_state(context, |state| {
            state.surfaces.remove(Handle::from_raw(surface))?;
            Ok(())
        })
    })?;

    linker.define(MODULE, "clear", |context, (surface, value): (u32, u32)| {
        with_state(context, |state| {
            let Ok(()) = state.surface(surface)?.clear(color(value));
            Ok(())
        })
    })?;

    linker.define(
        MODULE,
        "draw_pixel",
        |context, (surface, x, y, value): (u32, i32, i32, u32)| {
            with_state(context, |state| {
                state.surface(surface)?.set(x, y, color(value));
                Ok(())
            })
        },
    )?;

    linker.define(
        MODULE,
        "draw_line",
        |context, (surface, x0, y0, x1, y1, value, stroke): (u32, i32, i32, i32, i32, u32, u32)| {
            with_state(context, |state| {
                let surface = state.surface(surface)?;
                check_stroke(stroke)?;
                draw_line(surface, (x0, y0), (x1, y1), color(value), stroke);
                Ok(())
            })
        },
    )?;

    linker.define(
        MODULE,
        "draw_rectangle",
        |context,
         (surface, x, y, width, height, value, filled, stroke): (
            u32,
            i32,
            i32,
            u32,
            u32,
            u32,
            u32,
            u32,
        )| {
            with_state(context, |state| {
                let surface = state.surface(surface)?;
                let filled = check_filled(filled)?;
                if !filled {
                    check_stroke(stroke)?;
                }
                // Past `2 × stroke + 2` pixels an edge's inside stroke is invisible.
                let margin = 2 * MAX_STROKE + 2;
                if let Some(area) = clip::rectangle(surface.size, x, y, width, height, margin) {
                    let Ok(()) = area
                        .into_styled(shape_style(color(value), filled, stroke))
                        .draw(surface);
                }
                Ok(())
            })
        },
    )?;

    linker.define(
        MODULE,
        "draw_circle",
        |context,
         (surface, x, y, diameter, value, filled, stroke): (u32, i32, i32, u32, u32, u32, u32)| {
            with_state(context, |state| {
                let surface = state.surface(surface)?;
                let filled = check_filled(filled)?;
                if !filled {
                    check_stroke(stroke)?;
                }
                let d = u64::from(diameter);
                if !clip::touches(surface.size, i64::from(x), i64::from(y), d, d) {
                    return Ok(());
                }
                if diameter > MAX_DIAMETER {
                    return Err(Errno::Invalid);
                }
                // Touching the surface with a bounded diameter keeps every coordinate
                // `embedded-graphics` computes far from `i32` overflow.
                let Ok(()) = Circle::new(Point::new(x, y), diameter)
                    .into_styled(shape_style(color(value), filled, stroke))
                    .draw(surface);
                Ok(())
            })
        },
    )?;

    linker.define(
        MODULE,
        "draw_text",
        |context,
         (surface, x, y, text, length, value, background): (u32, i32, i32, u32, u32, u32, u32)| {
            with_memory(context, |memory, state| {
                let surface = state.surface(surface)?;
                let text = memory.read_str(text, length, MAX_TEXT_BYTES)?;
                draw_text(surface, Point::new(x, y), text, value, background);
                Ok(())
            })
        },
    )?;

    linker.define(
        MODULE,
        "blit",
        |context,
         (surface, x, y, width, height, pixels, length, format): (
            u32,
            i32,
            i32,
            u32,
            u32,
            u32,
            u32,
            u32,
        )| {
            with_memory(context, |memory, state| {
                let surface = state.surface(surface)?;
                let format = PixelFormat::from_abi(format).ok_or(Errno::Invalid)?;
                if length > MAX_BLIT_BYTES {
                    return Err(Errno::TooBig);
                }
                let expected =
                    u64::from(width) * u64::from(height) * u64::from(format.bytes_per_pixel());
                if u64::from(length) != expected {
                    return Err(Errno::Invalid);
                }
                let bytes = memory.bytes(pixels, length)?;
                blit(
                    surface,
                    Point::new(x, y),
                    Size::new(width, height),
                    bytes,
                    format,
                );
                Ok(())
            })
        },
    )?;

    linker.define(MODULE, "present", |context, (surface,): (u32,)| {
        with_state(context, |state| {
            let display = state.display.clone();
            let surface = state.surface(surface)?;
            display
                .draw(surface.display_area(), &surface.pixels)
                .map_err(display_error)?;
            display.flush().map_err(display_error)
        })
    })?;

    linker.define(MODULE, "poll_event", |context, (out,): (u32,)| {
        with_memory(context, |memory, state| {
            // Check the pointer first so that a bad one does not consume an event.
            memory.read::<GuestInputEvent>(out)?;
            let event = GuestInputEvent::from(state.display.poll_input());
            memory.write(out, &event)?;
            Ok(())
        })
    })?;

    Ok(())
}

fn surface_create(
    memory: &mut GuestMemory<'_>,
    state: &mut GraphicsState,
    position: Point,
    size: Size,
    out: u32,
) -> Status {
    let info = state.display.info();
    if size.width == 0 || size.height == 0 || size.width > info.width || size.height > info.height {
        return Err(Errno::Invalid);
    }
    // Checked before creating anything, so a bad pointer leaves no surface behind.
    memory.read::<u32>(out)?;
    if state.surfaces.len() >= MAX_SURFACES as usize {
        return Err(Errno::TooManyHandles);
    }
    let surface = Surface::new(position, size).ok_or(Errno::NoMemory)?;
    let handle = state.surfaces.insert(surface)?;
    if let Err(error) = memory.write(out, &handle.into_raw()) {
        // Unreachable after the check above; do not leak the surface if it happens anyway.
        let _ = state.surfaces.remove(handle);
        return Err(error.into());
    }
    Ok(())
}

fn draw_line(
    surface: &mut Surface,
    start: (i32, i32),
    end: (i32, i32),
    color: Rgb888,
    stroke: u32,
) {
    // A line's pixels stay within half its stroke of the segment; one more pixel of margin
    // keeps the rounding of the cut end points out of sight.
    let Some((start, end)) = clip::line(surface.size, start, end, stroke + 2) else {
        return;
    };
    let style = PrimitiveStyle::with_stroke(color, stroke);
    for (from, to) in clip::pieces(start, end, stroke) {
        let Ok(()) = Line::new(from, to).into_styled(style).draw(surface);
    }
}

fn draw_text(surface: &mut Surface, position: Point, text: &str, value: u32, background: u32) {
    // Cheap bounds (a line is at most `len` glyphs, there are at most `len + 1` lines) to
    // skip text that cannot be seen and to keep coordinates far from `i32` overflow.
    let glyphs = text.len() as u64;
    let lines = text.bytes().filter(|&byte| byte == b'\n').count() as u64 + 1;
    if !clip::touches(
        surface.size,
        i64::from(position.x),
        i64::from(position.y),
        glyphs * u64::from(GLYPH.width),
        lines * u64::from(GLYPH.height),
    ) {
        return;
    }
    let mut style = MonoTextStyleBuilder::new()
        .font(&FONT_6X10)
        .text_color(color(value));
    if background != TRANSPARENT {
        style = style.background_color(color(background));
    }
    let _ = Text::with_baseline(text, position, style.build(), Baseline::Top).draw(surface);
}

fn blit(surface: &mut Surface, position: Point, size: Size, bytes: &[u8], format: PixelFormat) {
    let area = Rectangle::new(position, size);
    // `visible` lies inside the surface, which keeps the arithmetic below in range.
    let Some(visible) = visible_area(&area, surface.size) else {
        return;
    };
    let bytes_per_pixel = format.bytes_per_pixel() as usize;
    let row_bytes = size.width as usize * bytes_per_pixel;
    let source_x = visible.top_left.x.abs_diff(position.x) as usize;
    let source_y = visible.top_left.y.abs_diff(position.y) as usize;
    let target_x = visible.top_left.x.unsigned_abs();
    let target_y = visible.top_left.y.unsigned_abs();
    for row in 0..visible.size.height {
        let start = (source_y + row as usize) * row_bytes + source_x * bytes_per_pixel;
        let end = start + visible.size.width as usize * bytes_per_pixel;
        let (Some(source), Some(target)) = (
            bytes.get(start..end),
            surface.span_mut(target_x, target_y + row, visible.size.width),
        ) else {
            return;
        };
        for (pixel, slot) in source.chunks_exact(bytes_per_pixel).zip(target) {
            *slot = match pixel {
                [low, high] => {
                    Rgb888::from(Rgb565::from(RawU16::new(u16::from_le_bytes([*low, *high]))))
                }
                [red, green, blue] => Rgb888::new(*red, *green, *blue),
                _ => continue,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_ignore_the_top_byte() {
        assert_eq!(color(0xAB12_3456), Rgb888::new(0x12, 0x34, 0x56));
    }

    #[test]
    fn huge_geometry_is_clipped_without_overflow() {
        let mut surface = Surface::new(Point::zero(), Size::new(8, 6)).expect("allocates");
        draw_line(
            &mut surface,
            (i32::MIN, 2),
            (i32::MAX, 2),
            Rgb888::new(1, 2, 3),
            255,
        );
        assert_eq!(surface.get(0, 0), Some(Rgb888::new(1, 2, 3)));
        draw_line(
            &mut surface,
            (i32::MIN, i32::MIN),
            (i32::MAX, i32::MAX),
            Rgb888::new(9, 9, 9),
            1,
        );
        assert_eq!(surface.get(3, 3), Some(Rgb888::new(9, 9, 9)));
        draw_text(
            &mut surface,
            Point::new(i32::MAX, i32::MAX),
            "abc",
            0xFF_FFFF,
            TRANSPARENT,
        );
        draw_text(&mut surface, Point::new(i32::MIN, 0), "abc", 0xFF_FFFF, 0);
        blit(
            &mut surface,
            Point::new(i32::MAX, i32::MAX),
            Size::new(1, 1),
            &[1, 2, 3],
            PixelFormat::Rgb888,
        );
    }

    #[test]
    fn blit_decodes_rgb565_little_endian() {
        let mut surface = Surface::new(Point::zero(), Size::new(2, 1)).expect("allocates");
        // Pure red in RGB565 is 0xF800.
        blit(
            &mut surface,
            Point::new(-1, 0),
            Size::new(3, 1),
            &[0x00, 0x00, 0x00, 0xF8, 0x1F, 0x00],
            PixelFormat::Rgb565,
        );
        assert_eq!(surface.get(0, 0), Some(Rgb888::new(255, 0, 0)));
        assert_eq!(surface.get(1, 0), Some(Rgb888::new(0, 0, 255)));
    }
}
