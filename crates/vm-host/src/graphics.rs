//! The graphics and input adapter: a display the VM's apps draw on, and the input events
//! (pointer/touch, keys) they read.
//!
//! The adapter is shaped after the embedded ecosystem's [`embedded_graphics`] crate, the
//! standard drawing model of embedded Rust: areas are its [`Rectangle`], colors its
//! [`Rgb888`] and [`Rgb565`]. A kernel whose display driver already implements
//! [`DrawTarget`] plugs it in as is with [`DrawTargetDisplay`]; other kernels implement
//! [`Display`] directly.
//!
//! The binding layer does not draw on the display pixel by pixel: each app draws into its own
//! host-side surface buffers and, when the app *presents* a surface, the whole surface is
//! handed to [`Display::draw`] at its position and [`Display::flush`] is called. The display
//! therefore only ever sees complete frames of a surface (no tearing from half-drawn scenes),
//! and overlapping surfaces are composited in present order (the last presented is on top).
//!
//! Implementations shipped here: [`Framebuffer`], an in-memory display in RGB565 or RGB888
//! with a scripted input queue, for tests, demos and the CLI (with the `std` feature it
//! saves PNG screenshots); and [`DrawTargetDisplay`], the adapter over any `DrawTarget`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

pub use embedded_graphics;
use embedded_graphics::Pixel;
use embedded_graphics::draw_target::DrawTarget;
use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::pixelcolor::PixelColor;
pub use embedded_graphics::pixelcolor::RgbColor;
pub use embedded_graphics::pixelcolor::{Rgb565, Rgb888};
pub use embedded_graphics::primitives::Rectangle;

/// How the display stores a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// 16 bits per pixel, 5-6-5 (what most ESP32 panels use).
    Rgb565,
    /// 24 bits per pixel, 8-8-8.
    Rgb888,
}

impl PixelFormat {
    /// The number the guest ABI uses for this format (`xila_graphics_v1`: 0 RGB565, 1 RGB888).
    pub const fn abi_value(self) -> u32 {
        match self {
            Self::Rgb565 => 0,
            Self::Rgb888 => 1,
        }
    }

    /// The format with this ABI number.
    pub const fn from_abi(value: u32) -> Option<Self> {
        match value {
            0 => Some(Self::Rgb565),
            1 => Some(Self::Rgb888),
            _ => None,
        }
    }

    /// Bytes per pixel in the packed guest buffers of this format.
    pub const fn bytes_per_pixel(self) -> u32 {
        match self {
            Self::Rgb565 => 2,
            Self::Rgb888 => 3,
        }
    }
}

/// Size and pixel format of a display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DisplayInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// How the panel stores pixels (colors are converted to it when drawn).
    pub format: PixelFormat,
}

/// An input event from the pointer (touch screen, mouse) or the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputEvent {
    /// The pointer was pressed at display coordinates (x, y).
    PointerDown {
        /// Horizontal display coordinate.
        x: i32,
        /// Vertical display coordinate.
        y: i32,
    },
    /// The pointer was released at (x, y).
    PointerUp {
        /// Horizontal display coordinate.
        x: i32,
        /// Vertical display coordinate.
        y: i32,
    },
    /// The pointer moved to (x, y).
    PointerMove {
        /// Horizontal display coordinate.
        x: i32,
        /// Vertical display coordinate.
        y: i32,
    },
    /// A key was pressed.
    KeyDown {
        /// The key code (the Unicode scalar value for text keys).
        key: u32,
    },
    /// A key was released.
    KeyUp {
        /// The key code (the Unicode scalar value for text keys).
        key: u32,
    },
}

/// What went wrong in a graphics operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum GraphicsError {
    /// The pixel buffer does not hold exactly `width × height` pixels of the area.
    #[error("pixel buffer of {actual} pixels does not match the area's {expected} pixels")]
    BufferSize {
        /// Pixels the area needs.
        expected: u64,
        /// Pixels the buffer holds.
        actual: usize,
    },
    /// The host could not allocate memory for the operation.
    #[error("out of memory")]
    OutOfMemory,
    /// The display driver reported an error.
    #[error("display device error")]
    Device,
}

/// A display the kernel provides to the VM.
///
/// Methods take `&self` because one display is shared by every app instance (behind an
/// `Arc`); implementations lock internally.
pub trait Display: Send + Sync {
    /// The display's size and pixel format.
    fn info(&self) -> DisplayInfo;

    /// Draws `pixels` (row-major, exactly `area.size.width × area.size.height` of them) into
    /// `area`; the parts of `area` outside the display are clipped, so `area` may lie partly
    /// or wholly off screen.
    ///
    /// # Errors
    ///
    /// [`GraphicsError::BufferSize`] if `pixels` has the wrong length, or a device error.
    fn draw(&self, area: Rectangle, pixels: &[Rgb888]) -> Result<(), GraphicsError>;

    /// Makes what was drawn visible (sends the frame to the panel).
    ///
    /// # Errors
    ///
    /// A device error.
    fn flush(&self) -> Result<(), GraphicsError>;

    /// The oldest pending input event, if any; never blocks.
    fn poll_input(&self) -> Option<InputEvent>;
}

/// The part of `area` inside `[0, bounds.width) × [0, bounds.height)`, or `None` if none is.
///
/// Computed in 64-bit arithmetic: `area` may come from a guest and sit anywhere in the `i32`
/// plane, where `embedded-graphics`' own `Rectangle::intersection` would overflow. The result
/// lies inside `bounds`, so its coordinates are safe for any further arithmetic.
pub fn visible_area(area: &Rectangle, bounds: Size) -> Option<Rectangle> {
    let clamp = |start: i32, length: u32, limit: u32| -> Option<(i32, u32)> {
        let start = i64::from(start);
        let end = (start + i64::from(length)).min(i64::from(limit));
        let start = start.max(0);
        if end <= start {
            return None;
        }
        Some((i32::try_from(start).ok()?, u32::try_from(end - start).ok()?))
    };
    let (x, width) = clamp(area.top_left.x, area.size.width, bounds.width)?;
    let (y, height) = clamp(area.top_left.y, area.size.height, bounds.height)?;
    Some(Rectangle::new(Point::new(x, y), Size::new(width, height)))
}

/// Checks that `pixels` covers `area` exactly.
fn check_buffer(area: &Rectangle, pixels: &[Rgb888]) -> Result<(), GraphicsError> {
    let expected = u64::from(area.size.width) * u64::from(area.size.height);
    if u64::try_from(pixels.len()).ok() != Some(expected) {
        return Err(GraphicsError::BufferSize {
            expected,
            actual: pixels.len(),
        });
    }
    Ok(())
}

/// A bounded FIFO of input events, filled by an input driver (or a test script) and drained by
/// [`Display::poll_input`].
///
/// When full, the oldest event is dropped: an app that stopped reading input should see the
/// most recent events when it resumes, and the queue must not grow without bound.
#[derive(Debug)]
pub struct InputQueue {
    events: spin::Mutex<VecDeque<InputEvent>>,
    capacity: usize,
}

impl InputQueue {
    /// Default number of events kept.
    pub const DEFAULT_CAPACITY: usize = 64;

    /// An empty queue keeping at most `capacity` events (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            events: spin::Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
        }
    }

    /// Appends `event`; returns `true` if the oldest event had to be dropped to make room.
    pub fn push(&self, event: InputEvent) -> bool {
        let mut events = self.events.lock();
        let dropped = if events.len() >= self.capacity {
            events.pop_front();
            true
        } else {
            false
        };
        events.push_back(event);
        dropped
    }

    /// Removes and returns the oldest event.
    pub fn pop(&self) -> Option<InputEvent> {
        self.events.lock().pop_front()
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.events.lock().len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.events.lock().is_empty()
    }
}

impl Default for InputQueue {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

/// A color type a [`DrawTargetDisplay`] can drive: the panel formats of [`PixelFormat`].
pub trait DisplayColor: PixelColor + From<Rgb888> + Send {
    /// The format that this color type stores.
    const FORMAT: PixelFormat;
}

impl DisplayColor for Rgb565 {
    const FORMAT: PixelFormat = PixelFormat::Rgb565;
}

impl DisplayColor for Rgb888 {
    const FORMAT: PixelFormat = PixelFormat::Rgb888;
}

type FlushHook<D> = Box<dyn Fn(&mut D) -> Result<(), GraphicsError> + Send + Sync>;

/// A [`Display`] over any `embedded-graphics` [`DrawTarget`] in RGB565 or RGB888, so a kernel
/// display driver plugs in unchanged.
///
/// The target sits behind a lock (apps on several tasks share one display). `DrawTarget` has
/// no notion of flushing, so drivers that buffer frames pass a flush hook
/// ([`with_flush`](Self::with_flush)); input comes from the [`InputQueue`] returned by
/// [`input`](Self::input), which the kernel's input driver fills.
pub struct DrawTargetDisplay<D> {
    target: spin::Mutex<D>,
    flush: Option<FlushHook<D>>,
    input: InputQueue,
}

impl<D> core::fmt::Debug for DrawTargetDisplay<D> {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("DrawTargetDisplay")
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}

impl<D> DrawTargetDisplay<D>
where
    D: DrawTarget + Send,
    D::Color: DisplayColor,
{
    /// Wraps `target`; flushing does nothing.
    pub fn new(target: D) -> Self {
        Self {
            target: spin::Mutex::new(target),
            flush: None,
            input: InputQueue::default(),
        }
    }

    /// Calls `flush` on the target when the display is flushed (e.g. to send a buffered frame
    /// to the panel over SPI).
    #[must_use]
    pub fn with_flush(
        mut self,
        flush: impl Fn(&mut D) -> Result<(), GraphicsError> + Send + Sync + 'static,
    ) -> Self {
        self.flush = Some(Box::new(flush));
        self
    }

    /// The queue the input driver pushes events into.
    pub fn input(&self) -> &InputQueue {
        &self.input
    }

    /// Runs `f` with the locked target (e.g. to inspect it in tests or to draw a cursor).
    pub fn with_target<R>(&self, f: impl FnOnce(&mut D) -> R) -> R {
        f(&mut self.target.lock())
    }

    /// Unwraps the target.
    pub fn into_inner(self) -> D {
        self.target.into_inner()
    }
}

impl<D> Display for DrawTargetDisplay<D>
where
    D: DrawTarget + Send,
    D::Color: DisplayColor,
{
    fn info(&self) -> DisplayInfo {
        let size = self.target.lock().bounding_box().size;
        DisplayInfo {
            width: size.width,
            height: size.height,
            format: D::Color::FORMAT,
        }
    }

    fn draw(&self, area: Rectangle, pixels: &[Rgb888]) -> Result<(), GraphicsError> {
        check_buffer(&area, pixels)?;
        let mut target = self.target.lock();
        let Some(visible) = visible_area(&area, target.bounding_box().size) else {
            return Ok(());
        };
        // Only the visible part is sent: `fill_contiguous` would clip too, but pixel by
        // pixel, and drivers are much faster with a contiguous window.
        let width = area.size.width as usize;
        let columns = visible.top_left.x.abs_diff(area.top_left.x) as usize;
        let first_row = visible.top_left.y.abs_diff(area.top_left.y) as usize;
        let visible_width = visible.size.width as usize;
        let rows = pixels
            .chunks_exact(width)
            .skip(first_row)
            .take(visible.size.height as usize);
        let colors = rows.flat_map(|row| {
            row.iter()
                .skip(columns)
                .take(visible_width)
                .map(|&color| D::Color::from(color))
        });
        target
            .fill_contiguous(&visible, colors)
            .map_err(|_| GraphicsError::Device)
    }

    fn flush(&self) -> Result<(), GraphicsError> {
        match &self.flush {
            Some(flush) => flush(&mut self.target.lock()),
            None => Ok(()),
        }
    }

    fn poll_input(&self) -> Option<InputEvent> {
        self.input.pop()
    }
}

/// An in-memory display: a framebuffer in RGB565 or RGB888 with a scripted input queue.
///
/// Colors drawn on an RGB565 framebuffer are stored as the panel would store them (reduced to
/// 5-6-5 bits), so screenshots show what a real RGB565 panel shows. Every [`Display::flush`]
/// is counted ([`flush_count`](Self::flush_count)), so embedders can tell whether an app has
/// presented a frame.
#[derive(Debug)]
pub struct Framebuffer {
    info: DisplayInfo,
    /// Row-major, `width × height` pixels, already reduced to the panel's format.
    pixels: spin::Mutex<Vec<Rgb888>>,
    input: InputQueue,
    flushes: AtomicU32,
}

impl Framebuffer {
    /// A black framebuffer of `width × height` pixels in `format`.
    ///
    /// # Errors
    ///
    /// [`GraphicsError::OutOfMemory`] if the pixels cannot be allocated (the size comes from
    /// configuration, e.g. the CLI's `--display`, so it must not abort the process).
    pub fn new(width: u32, height: u32, format: PixelFormat) -> Result<Self, GraphicsError> {
        let count = usize::try_from(u64::from(width) * u64::from(height))
            .map_err(|_| GraphicsError::OutOfMemory)?;
        let mut pixels = Vec::new();
        pixels
            .try_reserve_exact(count)
            .map_err(|_| GraphicsError::OutOfMemory)?;
        pixels.resize(count, Rgb888::BLACK);
        Ok(Self {
            info: DisplayInfo {
                width,
                height,
                format,
            },
            pixels: spin::Mutex::new(pixels),
            input: InputQueue::default(),
            flushes: AtomicU32::new(0),
        })
    }

    /// Queues an input event for the app (what a touch or key driver would do).
    pub fn push_input(&self, event: InputEvent) {
        self.input.push(event);
    }

    /// The input queue, e.g. to see whether the app consumed the scripted events.
    pub fn input(&self) -> &InputQueue {
        &self.input
    }

    /// The color of the pixel at (x, y), or `None` outside the framebuffer.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgb888> {
        if x >= self.info.width || y >= self.info.height {
            return None;
        }
        let index =
            usize::try_from(u64::from(y) * u64::from(self.info.width) + u64::from(x)).ok()?;
        self.pixels.lock().get(index).copied()
    }

    /// A copy of all pixels, row-major.
    pub fn pixels(&self) -> Vec<Rgb888> {
        self.pixels.lock().clone()
    }

    /// The pixels as packed RGB bytes (3 per pixel, row-major), as image encoders want them.
    pub fn to_rgb_bytes(&self) -> Vec<u8> {
        self.pixels
            .lock()
            .iter()
            .flat_map(|color| [color.r(), color.g(), color.b()])
            .collect()
    }

    /// How many times the display was flushed (apps flush with `present`).
    pub fn flush_count(&self) -> u32 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Reduces `color` to what the panel stores.
    fn store(&self, color: Rgb888) -> Rgb888 {
        match self.info.format {
            PixelFormat::Rgb888 => color,
            PixelFormat::Rgb565 => Rgb888::from(Rgb565::from(color)),
        }
    }
}

impl Display for Framebuffer {
    fn info(&self) -> DisplayInfo {
        self.info
    }

    fn draw(&self, area: Rectangle, pixels: &[Rgb888]) -> Result<(), GraphicsError> {
        check_buffer(&area, pixels)?;
        let bounds = Size::new(self.info.width, self.info.height);
        let Some(visible) = visible_area(&area, bounds) else {
            return Ok(());
        };
        let source_width = area.size.width as usize;
        let source_x = visible.top_left.x.abs_diff(area.top_left.x) as usize;
        let source_y = visible.top_left.y.abs_diff(area.top_left.y) as usize;
        let width = visible.size.width as usize;
        // `visible` lies inside the framebuffer, so its coordinates are non-negative.
        let target_x = visible.top_left.x.unsigned_abs() as usize;
        let target_y = visible.top_left.y.unsigned_abs() as usize;
        let target_width = self.info.width as usize;
        let mut target = self.pixels.lock();
        for row in 0..visible.size.height as usize {
            let source_start = (source_y + row) * source_width + source_x;
            let target_start = (target_y + row) * target_width + target_x;
            let (Some(source), Some(destination)) = (
                pixels.get(source_start..source_start + width),
                target.get_mut(target_start..target_start + width),
            ) else {
                // Unreachable by the checks above; never panic on a display path.
                return Err(GraphicsError::Device);
            };
            for (destination, &color) in destination.iter_mut().zip(source) {
                *destination = self.store(color);
            }
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), GraphicsError> {
        self.flushes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn poll_input(&self) -> Option<InputEvent> {
        self.input.pop()
    }
}

/// Drawing on the framebuffer directly (e.g. a host-side overlay); pixels outside are ignored.
impl DrawTarget for Framebuffer {
    type Color = Rgb888;
    type Error = core::convert::Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        let width = self.info.width;
        let height = self.info.height;
        let format = self.info.format;
        let buffer = self.pixels.get_mut();
        for Pixel(point, color) in pixels {
            let (Ok(x), Ok(y)) = (u32::try_from(point.x), u32::try_from(point.y)) else {
                continue;
            };
            if x >= width || y >= height {
                continue;
            }
            let index = y as usize * width as usize + x as usize;
            if let Some(slot) = buffer.get_mut(index) {
                *slot = match format {
                    PixelFormat::Rgb888 => color,
                    PixelFormat::Rgb565 => Rgb888::from(Rgb565::from(color)),
                };
            }
        }
        Ok(())
    }
}

impl embedded_graphics::geometry::OriginDimensions for Framebuffer {
    fn size(&self) -> Size {
        Size::new(self.info.width, self.info.height)
    }
}

#[cfg(feature = "std")]
mod screenshot {
    use alloc::vec::Vec;

    use super::Framebuffer;

    /// Why a screenshot could not be made.
    #[derive(Debug, thiserror::Error)]
    pub enum ScreenshotError {
        /// PNG encoding failed.
        #[error("PNG encoding failed: {0}")]
        Encode(#[from] png::EncodingError),
        /// Writing the file failed.
        #[error("cannot write the screenshot: {0}")]
        Io(#[from] std::io::Error),
    }

    impl Framebuffer {
        /// The framebuffer as an 8-bit RGB PNG image.
        ///
        /// # Errors
        ///
        /// [`ScreenshotError::Encode`] if the encoder fails (e.g. a zero-sized framebuffer).
        pub fn to_png(&self) -> Result<Vec<u8>, ScreenshotError> {
            let mut bytes = Vec::new();
            {
                let mut encoder = png::Encoder::new(&mut bytes, self.info.width, self.info.height);
                encoder.set_color(png::ColorType::Rgb);
                encoder.set_depth(png::BitDepth::Eight);
                let mut writer = encoder.write_header()?;
                writer.write_image_data(&self.to_rgb_bytes())?;
                writer.finish()?;
            }
            Ok(bytes)
        }

        /// Writes the framebuffer to `path` as a PNG image.
        ///
        /// # Errors
        ///
        /// As [`to_png`](Self::to_png), or [`ScreenshotError::Io`].
        pub fn save_png(&self, path: impl AsRef<std::path::Path>) -> Result<(), ScreenshotError> {
            std::fs::write(path, self.to_png()?)?;
            Ok(())
        }
    }
}

#[cfg(feature = "std")]
pub use screenshot::ScreenshotError;

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::Drawable;
    use embedded_graphics::primitives::{Primitive, PrimitiveStyle};

    fn area(x: i32, y: i32, width: u32, height: u32) -> Rectangle {
        Rectangle::new(Point::new(x, y), Size::new(width, height))
    }

    #[test]
    fn framebuffer_draw_clips_and_converts() {
        let display = Framebuffer::new(4, 3, PixelFormat::Rgb888).expect("allocates");
        let red = Rgb888::new(255, 0, 0);
        display.draw(area(-1, -1, 3, 3), &[red; 9]).expect("draws");
        assert_eq!(display.pixel(0, 0), Some(red));
        assert_eq!(display.pixel(1, 1), Some(red));
        assert_eq!(display.pixel(2, 2), Some(Rgb888::BLACK));
        assert_eq!(display.pixel(4, 0), None);
        // Wholly off screen and far away: nothing, no overflow.
        display
            .draw(area(i32::MAX - 1, i32::MIN, 2, 1), &[red; 2])
            .expect("draws nothing");
        assert_eq!(
            display.draw(area(0, 0, 2, 2), &[red; 3]),
            Err(GraphicsError::BufferSize {
                expected: 4,
                actual: 3
            })
        );
    }

    #[test]
    fn rgb565_framebuffer_quantizes() {
        let display = Framebuffer::new(1, 1, PixelFormat::Rgb565).expect("allocates");
        display
            .draw(area(0, 0, 1, 1), &[Rgb888::new(0x12, 0x34, 0x56)])
            .expect("draws");
        let stored = display.pixel(0, 0).expect("inside");
        assert_eq!(
            stored,
            Rgb888::from(Rgb565::from(Rgb888::new(0x12, 0x34, 0x56)))
        );
        assert_eq!(display.info().format, PixelFormat::Rgb565);
    }

    #[test]
    fn input_queue_is_fifo_and_bounded() {
        let queue = InputQueue::new(2);
        assert!(!queue.push(InputEvent::KeyDown { key: 1 }));
        assert!(!queue.push(InputEvent::KeyDown { key: 2 }));
        assert!(queue.push(InputEvent::KeyDown { key: 3 }));
        assert_eq!(queue.pop(), Some(InputEvent::KeyDown { key: 2 }));
        assert_eq!(queue.pop(), Some(InputEvent::KeyDown { key: 3 }));
        assert_eq!(queue.pop(), None);
    }

    /// A minimal driver-like target: RGB565 pixels in a vector.
    struct Panel {
        pixels: Vec<Rgb565>,
    }

    impl DrawTarget for Panel {
        type Color = Rgb565;
        type Error = core::convert::Infallible;

        fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
        where
            I: IntoIterator<Item = Pixel<Self::Color>>,
        {
            for Pixel(point, color) in pixels {
                if (0..4).contains(&point.x) && (0..2).contains(&point.y) {
                    self.pixels[(point.y * 4 + point.x) as usize] = color;
                }
            }
            Ok(())
        }
    }

    impl embedded_graphics::geometry::OriginDimensions for Panel {
        fn size(&self) -> Size {
            Size::new(4, 2)
        }
    }

    #[test]
    fn draw_target_display_wraps_a_driver() {
        let flushed = alloc::sync::Arc::new(AtomicU32::new(0));
        let counter = flushed.clone();
        let display = DrawTargetDisplay::new(Panel {
            pixels: alloc::vec![Rgb565::BLACK; 8],
        })
        .with_flush(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        });
        assert_eq!(
            display.info(),
            DisplayInfo {
                width: 4,
                height: 2,
                format: PixelFormat::Rgb565
            }
        );
        let pixels = [
            Rgb888::RED,
            Rgb888::GREEN,
            Rgb888::BLUE,
            Rgb888::WHITE,
            Rgb888::CYAN,
            Rgb888::YELLOW,
        ];
        display.draw(area(2, 1, 3, 2), &pixels).expect("draws");
        display.flush().expect("flushes");
        assert_eq!(flushed.load(Ordering::Relaxed), 1);
        display.with_target(|panel| {
            assert_eq!(panel.pixels[4 + 2], Rgb565::RED);
            assert_eq!(panel.pixels[4 + 3], Rgb565::GREEN);
            assert_eq!(panel.pixels[0], Rgb565::BLACK);
        });
        display.input().push(InputEvent::PointerDown { x: 1, y: 2 });
        assert_eq!(
            display.poll_input(),
            Some(InputEvent::PointerDown { x: 1, y: 2 })
        );
        assert_eq!(display.poll_input(), None);
    }

    #[test]
    fn framebuffer_is_a_draw_target() {
        let mut display = Framebuffer::new(5, 5, PixelFormat::Rgb888).expect("allocates");
        Rectangle::new(Point::new(1, 1), Size::new(10, 1))
            .into_styled(PrimitiveStyle::with_fill(Rgb888::WHITE))
            .draw(&mut display)
            .expect("draws");
        assert_eq!(display.pixel(4, 1), Some(Rgb888::WHITE));
        assert_eq!(display.pixel(0, 1), Some(Rgb888::BLACK));
    }
}
