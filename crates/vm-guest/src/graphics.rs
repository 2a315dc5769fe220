//! The display: [`Display`] information, [`Canvas`] surfaces that embedded-graphics draws on,
//! and input events.
//!
//! ```no_run
//! use embedded_graphics::{pixelcolor::Rgb888, prelude::*, primitives::{Circle, PrimitiveStyle}};
//! use vm_guest::graphics::Canvas;
//!
//! # fn main() -> Result<(), vm_guest::Error> {
//! let mut canvas = Canvas::fullscreen()?;
//! canvas.clear(Rgb888::BLACK)?;
//! Circle::new(Point::new(10, 10), 40)
//!     .into_styled(PrimitiveStyle::with_fill(Rgb888::RED))
//!     .draw(&mut canvas)?;
//! canvas.text(Point::new(10, 60), "hello", Rgb888::WHITE, None)?;
//! canvas.present()?;
//! # Ok(())
//! # }
//! ```

use alloc::vec::Vec;

use embedded_graphics::Pixel;
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::{Dimensions, DrawTarget, OriginDimensions, Point, Size};
use embedded_graphics::primitives::Rectangle;

use crate::error::{Error, Result, check};
use crate::sys;

/// How pixels are stored by the display's panel; colors are converted by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 16-bit 5-6-5 (most ESP32 panels).
    Rgb565,
    /// 24-bit 8-8-8.
    Rgb888,
    /// A format this SDK version does not know, by its ABI number.
    Other(u32),
}

impl PixelFormat {
    fn from_raw(raw: u32) -> Self {
        match raw {
            0 => Self::Rgb565,
            1 => Self::Rgb888,
            other => Self::Other(other),
        }
    }
}

/// What the host's display is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayInfo {
    /// Size in pixels.
    pub size: Size,
    /// The panel's pixel format.
    pub pixel_format: PixelFormat,
}

/// The display the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Display;

impl Display {
    /// The display's size and pixel format; [`Error::Unsupported`] (or another host error)
    /// when the VM gives this app no display.
    pub fn info() -> Result<DisplayInfo> {
        let mut raw = sys::DisplayInfo::default();
        // SAFETY: `raw` is a live, aligned `DisplayInfo`, the struct the import writes.
        check(unsafe { sys::graphics::display_info(&mut raw) })?;
        Ok(DisplayInfo {
            size: Size::new(raw.width, raw.height),
            pixel_format: PixelFormat::from_raw(raw.pixel_format),
        })
    }

    /// The next input event, if any; never blocks. Same as [`poll_event`].
    pub fn poll_event() -> Result<Option<InputEvent>> {
        poll_event()
    }
}

/// An input event from the display's pointer (touch) or keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEvent {
    /// The pointer went down (touch began) at this display position.
    PointerDown(Point),
    /// The pointer went up.
    PointerUp(Point),
    /// The pointer moved.
    PointerMove(Point),
    /// A key was pressed (Unicode scalar for text keys).
    KeyDown(u32),
    /// A key was released.
    KeyUp(u32),
    /// An event kind this SDK version does not know, passed through raw.
    Other {
        /// The ABI kind number.
        kind: u32,
        /// Raw x.
        x: i32,
        /// Raw y.
        y: i32,
        /// Raw key.
        key: u32,
    },
}

impl InputEvent {
    /// Decodes the ABI struct; `None` for kind NONE.
    pub fn from_raw(raw: sys::InputEvent) -> Option<Self> {
        let point = Point::new(raw.x, raw.y);
        Some(match raw.kind {
            0 => return None,
            1 => Self::PointerDown(point),
            2 => Self::PointerUp(point),
            3 => Self::PointerMove(point),
            4 => Self::KeyDown(raw.key),
            5 => Self::KeyUp(raw.key),
            kind => Self::Other {
                kind,
                x: raw.x,
                y: raw.y,
                key: raw.key,
            },
        })
    }
}

/// The next input event, or `None` when the queue is empty; never blocks.
pub fn poll_event() -> Result<Option<InputEvent>> {
    let mut raw = sys::InputEvent::default();
    // SAFETY: `raw` is a live, aligned `InputEvent`, the struct the import writes.
    check(unsafe { sys::graphics::poll_event(&mut raw) })?;
    Ok(InputEvent::from_raw(raw))
}

/// `0x00RRGGBB`, the ABI's color.
pub fn color_to_raw(color: Rgb888) -> u32 {
    (u32::from(color.r()) << 16) | (u32::from(color.g()) << 8) | u32::from(color.b())
}

/// The ABI's "no background" value for text.
const TRANSPARENT: u32 = 0xFFFF_FFFF;
/// `blit` format number of RGB888 (3 bytes per pixel, R then G then B).
const FORMAT_RGB888: u32 = 1;
/// `blit` format number of RGB565 (2 bytes per pixel, little-endian).
const FORMAT_RGB565: u32 = 0;
/// The host's text limit in bytes; longer text is drawn in pieces.
const TEXT_LIMIT: usize = 4096;
/// Width in pixels of a glyph of the host's built-in 6×10 font.
pub const HOST_FONT_WIDTH: u32 = 6;
/// Height in pixels of a glyph of the host's built-in 6×10 font.
pub const HOST_FONT_HEIGHT: u32 = 10;
/// The largest pixel buffer `fill_contiguous` sends in one `blit`: large enough to amortise
/// the call, small enough for the guest heap of a small device.
pub const BLIT_CHUNK_BYTES: usize = 16 * 1024;

/// A surface (window) on the display, owned by the app and freed when dropped.
///
/// Drawing goes to the surface; [`Canvas::present`] shows it. `Canvas` implements
/// embedded-graphics' [`DrawTarget`] with [`Rgb888`] colors, so the ecosystem's primitives,
/// fonts and images draw on it; solid fills become one host `draw_rectangle` call and images
/// a few `blit` calls, not one call per pixel.
#[derive(Debug)]
pub struct Canvas {
    handle: u32,
    size: Size,
}

impl Canvas {
    /// A surface of `size` with its top-left corner at `position` on the display.
    pub fn new(position: Point, size: Size) -> Result<Self> {
        let mut handle = 0;
        // SAFETY: `handle` is a live, aligned `u32`, the out-value the import writes.
        check(unsafe {
            sys::graphics::surface_create(
                position.x,
                position.y,
                size.width,
                size.height,
                &mut handle,
            )
        })?;
        Ok(Self { handle, size })
    }

    /// A surface covering the whole display.
    pub fn fullscreen() -> Result<Self> {
        let info = Display::info()?;
        Self::new(Point::zero(), info.size)
    }

    /// The host's handle of the surface.
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Fills the surface with `color`.
    pub fn clear(&mut self, color: Rgb888) -> Result<()> {
        // SAFETY: integer arguments only; the host validates the handle.
        check(unsafe { sys::graphics::clear(self.handle, color_to_raw(color)) })
    }

    /// Puts the surface on the display.
    pub fn present(&mut self) -> Result<()> {
        // SAFETY: integer arguments only; the host validates the handle.
        check(unsafe { sys::graphics::present(self.handle) })
    }

    /// One pixel (clipped by the host).
    pub fn pixel(&mut self, point: Point, color: Rgb888) -> Result<()> {
        // SAFETY: integer arguments only; the host validates the handle.
        check(unsafe {
            sys::graphics::draw_pixel(self.handle, point.x, point.y, color_to_raw(color))
        })
    }

    /// A line `stroke` pixels wide (1–255), drawn by the host in one call.
    pub fn line(&mut self, start: Point, end: Point, color: Rgb888, stroke: u32) -> Result<()> {
        // SAFETY: integer arguments only; the host validates the handle.
        check(unsafe {
            sys::graphics::draw_line(
                self.handle,
                start.x,
                start.y,
                end.x,
                end.y,
                color_to_raw(color),
                stroke,
            )
        })
    }

    /// A rectangle, filled or outlined with `stroke` pixels, drawn by the host in one call.
    pub fn rectangle(
        &mut self,
        area: Rectangle,
        color: Rgb888,
        filled: bool,
        stroke: u32,
    ) -> Result<()> {
        // SAFETY: integer arguments only; the host validates the handle.
        check(unsafe {
            sys::graphics::draw_rectangle(
                self.handle,
                area.top_left.x,
                area.top_left.y,
                area.size.width,
                area.size.height,
                color_to_raw(color),
                u32::from(filled),
                stroke,
            )
        })
    }

    /// A circle of `diameter` whose bounding box starts at `top_left`, drawn by the host.
    pub fn circle(
        &mut self,
        top_left: Point,
        diameter: u32,
        color: Rgb888,
        filled: bool,
        stroke: u32,
    ) -> Result<()> {
        // SAFETY: integer arguments only; the host validates the handle.
        check(unsafe {
            sys::graphics::draw_circle(
                self.handle,
                top_left.x,
                top_left.y,
                diameter,
                color_to_raw(color),
                u32::from(filled),
                stroke,
            )
        })
    }

    /// Text in the host's built-in 6×10 monospace font, top-left at `position`;
    /// `background` `None` leaves the pixels between the strokes untouched.
    ///
    /// Text longer than the host's 4096-byte limit is sent in pieces split at character
    /// boundaries, each starting where the previous one ended (one line of text).
    pub fn text(
        &mut self,
        position: Point,
        text: &str,
        color: Rgb888,
        background: Option<Rgb888>,
    ) -> Result<()> {
        let background = background.map_or(TRANSPARENT, color_to_raw);
        let mut x = position.x;
        for piece in split_text(text, TEXT_LIMIT) {
            let length = u32::try_from(piece.len()).map_err(|_| Error::InvalidInput)?;
            // SAFETY: `piece` is a live `&str`; the host reads `length` bytes from its start.
            check(unsafe {
                sys::graphics::draw_text(
                    self.handle,
                    x,
                    position.y,
                    piece.as_ptr(),
                    length,
                    color_to_raw(color),
                    background,
                )
            })?;
            let glyphs = i32::try_from(piece.chars().count()).unwrap_or(i32::MAX);
            x = x.saturating_add(glyphs.saturating_mul(HOST_FONT_WIDTH as i32));
        }
        Ok(())
    }

    /// Copies an RGB888 buffer (3 bytes per pixel: R, G, B; rows top to bottom) of `size`
    /// to `top_left`; the host clips it.
    pub fn blit_rgb888(&mut self, top_left: Point, size: Size, pixels: &[u8]) -> Result<()> {
        self.blit(top_left, size, pixels, FORMAT_RGB888)
    }

    /// Copies an RGB565 buffer (2 bytes per pixel, little-endian) of `size` to `top_left`.
    pub fn blit_rgb565(&mut self, top_left: Point, size: Size, pixels: &[u8]) -> Result<()> {
        self.blit(top_left, size, pixels, FORMAT_RGB565)
    }

    fn blit(&mut self, top_left: Point, size: Size, pixels: &[u8], format: u32) -> Result<()> {
        let length = u32::try_from(pixels.len()).map_err(|_| Error::InvalidInput)?;
        // SAFETY: `pixels` is a live slice; the host reads `length` bytes from its start.
        check(unsafe {
            sys::graphics::blit(
                self.handle,
                top_left.x,
                top_left.y,
                size.width,
                size.height,
                pixels.as_ptr(),
                length,
                format,
            )
        })
    }
}

impl Drop for Canvas {
    fn drop(&mut self) {
        // Nothing useful can be done with a failure here: the host frees everything the app
        // owns when it ends anyway.
        // SAFETY: integer arguments only; the host validates the handle.
        let _ = unsafe { sys::graphics::surface_destroy(self.handle) };
    }
}

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        self.size
    }
}

impl DrawTarget for Canvas {
    type Color = Rgb888;
    type Error = Error;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<()>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        let bounds = self.bounding_box();
        for Pixel(point, color) in pixels {
            // Skipping what the host would clip saves a call per hidden pixel.
            if bounds.contains(point) {
                self.pixel(point, color)?;
            }
        }
        Ok(())
    }

    fn fill_contiguous<I>(&mut self, area: &Rectangle, colors: I) -> Result<()>
    where
        I: IntoIterator<Item = Self::Color>,
    {
        let bounds = self.bounding_box();
        pack_rgb888(
            area,
            &bounds,
            colors,
            BLIT_CHUNK_BYTES,
            |top_left, size, bytes| self.blit_rgb888(top_left, size, bytes),
        )
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<()> {
        let visible = area.intersection(&self.bounding_box());
        if visible.size.width == 0 || visible.size.height == 0 {
            return Ok(());
        }
        self.rectangle(visible, color, true, 1)
    }

    fn clear(&mut self, color: Self::Color) -> Result<()> {
        Canvas::clear(self, color)
    }
}

/// Splits `text` into pieces of at most `limit` bytes at character boundaries.
fn split_text(text: &str, limit: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len().min(limit.max(4));
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// Packs the colors of `area` (row-major, as [`DrawTarget::fill_contiguous`] gives them) that
/// fall inside `bounds` into RGB888 buffers of whole rows, at most `chunk_bytes` each (at least
/// one row), and hands each to `blit` with its top-left corner and size.
///
/// Colors outside `bounds` are consumed and dropped; the iterator is not read past the last
/// visible row.
pub fn pack_rgb888<I, F>(
    area: &Rectangle,
    bounds: &Rectangle,
    colors: I,
    chunk_bytes: usize,
    mut blit: F,
) -> Result<()>
where
    I: IntoIterator<Item = Rgb888>,
    F: FnMut(Point, Size, &[u8]) -> Result<()>,
{
    let visible = area.intersection(bounds);
    if visible.size.width == 0 || visible.size.height == 0 {
        return Ok(());
    }
    let row_bytes = (visible.size.width as usize).saturating_mul(3);
    let rows_per_chunk = (chunk_bytes / row_bytes).max(1);
    let rows_per_chunk_u32 = u32::try_from(rows_per_chunk).unwrap_or(u32::MAX);
    let mut buffer: Vec<u8> = Vec::with_capacity(
        row_bytes.saturating_mul(rows_per_chunk.min(visible.size.height as usize)),
    );
    // Offsets of the visible part inside `area` (both non-negative: `visible` is inside it).
    let skip_x = visible.top_left.x.saturating_sub(area.top_left.x);
    let skip_y = visible.top_left.y.saturating_sub(area.top_left.y);
    let visible_x_end = skip_x.saturating_add_unsigned(visible.size.width);
    let visible_y_end = skip_y.saturating_add_unsigned(visible.size.height);
    let width = i32::try_from(area.size.width).map_err(|_| Error::InvalidInput)?;
    let mut chunk_top = visible.top_left.y;
    let mut rows_in_chunk = 0u32;
    let (mut x, mut y) = (0i32, 0i32);
    for color in colors {
        if y >= visible_y_end {
            break;
        }
        if y >= skip_y && x >= skip_x && x < visible_x_end {
            buffer.extend_from_slice(&[color.r(), color.g(), color.b()]);
        }
        x += 1;
        if x == width {
            x = 0;
            if y >= skip_y {
                rows_in_chunk += 1;
                if rows_in_chunk == rows_per_chunk_u32 {
                    blit(
                        Point::new(visible.top_left.x, chunk_top),
                        Size::new(visible.size.width, rows_in_chunk),
                        &buffer,
                    )?;
                    buffer.clear();
                    chunk_top = chunk_top.saturating_add_unsigned(rows_in_chunk);
                    rows_in_chunk = 0;
                }
            }
            y += 1;
        }
    }
    // A short iterator leaves a partial row: send only the whole rows it filled.
    if rows_in_chunk > 0 {
        let whole = row_bytes.saturating_mul(rows_in_chunk as usize);
        blit(
            Point::new(visible.top_left.x, chunk_top),
            Size::new(visible.size.width, rows_in_chunk),
            &buffer[..whole.min(buffer.len())],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use embedded_graphics::prelude::PointsIter;

    #[test]
    fn colors_are_0x00rrggbb() {
        assert_eq!(color_to_raw(Rgb888::new(0x12, 0x34, 0x56)), 0x0012_3456);
    }

    #[test]
    fn events_decode() {
        let raw = |kind, x, y, key| sys::InputEvent { kind, x, y, key };
        assert_eq!(InputEvent::from_raw(raw(0, 1, 2, 3)), None);
        assert_eq!(
            InputEvent::from_raw(raw(1, 100, 80, 0)),
            Some(InputEvent::PointerDown(Point::new(100, 80)))
        );
        assert_eq!(
            InputEvent::from_raw(raw(5, 0, 0, 13)),
            Some(InputEvent::KeyUp(13))
        );
        assert!(matches!(
            InputEvent::from_raw(raw(9, 0, 0, 0)),
            Some(InputEvent::Other { kind: 9, .. })
        ));
    }

    #[test]
    fn host_calls_are_unsupported_off_wasm() {
        assert_eq!(Display::info(), Err(Error::Unsupported));
        assert_eq!(poll_event(), Err(Error::Unsupported));
        assert!(matches!(Canvas::fullscreen(), Err(Error::Unsupported)));
    }

    #[test]
    fn text_splits_at_char_boundaries() {
        let pieces: Vec<&str> = split_text("aébc", 4).collect();
        assert_eq!(pieces, vec!["aéb", "c"]);
        assert_eq!(split_text("", 4).count(), 0);
    }

    fn gradient(area: &Rectangle) -> impl Iterator<Item = Rgb888> + '_ {
        area.points().map(|p| Rgb888::new(p.x as u8, p.y as u8, 0))
    }

    fn collect_blits(
        area: Rectangle,
        bounds: Rectangle,
        chunk: usize,
    ) -> Vec<(Point, Size, Vec<u8>)> {
        let mut blits = Vec::new();
        pack_rgb888(&area, &bounds, gradient(&area), chunk, |p, s, b| {
            blits.push((p, s, b.to_vec()));
            Ok(())
        })
        .unwrap();
        blits
    }

    #[test]
    fn contiguous_fill_is_clipped_and_chunked() {
        let bounds = Rectangle::new(Point::zero(), Size::new(10, 10));
        // Sticks out on the left and at the bottom: only x 0..3, y 7..10 are visible.
        let area = Rectangle::new(Point::new(-2, 7), Size::new(5, 6));
        let blits = collect_blits(area, bounds, 9);
        // 3 visible pixels per row = 9 bytes: one row per chunk.
        assert_eq!(blits.len(), 3);
        for (row, (point, size, bytes)) in blits.iter().enumerate() {
            let y = 7 + row as i32;
            assert_eq!(*point, Point::new(0, y));
            assert_eq!(*size, Size::new(3, 1));
            assert_eq!(bytes, &vec![0, y as u8, 0, 1, y as u8, 0, 2, y as u8, 0]);
        }
        let blits = collect_blits(area, bounds, 1024);
        assert_eq!(blits.len(), 1);
        assert_eq!(blits[0].1, Size::new(3, 3));
        assert_eq!(blits[0].2.len(), 27);
    }

    #[test]
    fn contiguous_fill_outside_draws_nothing() {
        let bounds = Rectangle::new(Point::zero(), Size::new(10, 10));
        let area = Rectangle::new(Point::new(20, 20), Size::new(5, 5));
        assert!(collect_blits(area, bounds, 64).is_empty());
    }

    #[test]
    fn short_iterators_send_whole_rows_only() {
        let bounds = Rectangle::new(Point::zero(), Size::new(10, 10));
        let area = Rectangle::new(Point::zero(), Size::new(4, 4));
        let mut blits = Vec::new();
        pack_rgb888(&area, &bounds, gradient(&area).take(6), 1024, |p, s, b| {
            blits.push((p, s, b.len()));
            Ok(())
        })
        .unwrap();
        assert_eq!(blits, vec![(Point::zero(), Size::new(4, 1), 12)]);
    }
}
