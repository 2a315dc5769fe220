//! A surface: an app's window, drawn in a host-side buffer and copied to the display on
//! `present`.

use alloc::vec::Vec;
use core::convert::Infallible;

use embedded_graphics::Pixel;
use embedded_graphics::draw_target::DrawTarget;
use embedded_graphics::geometry::{OriginDimensions, Point, Size};
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::primitives::Rectangle;

/// A surface's pixels (RGB888, row-major) and its position on the display.
///
/// It is an `embedded-graphics` [`DrawTarget`] whose origin is the surface's top-left corner;
/// pixels outside it are dropped (that is how clipping happens).
#[derive(Debug)]
pub(crate) struct Surface {
    /// Display coordinates of the top-left corner.
    pub(crate) position: Point,
    pub(crate) size: Size,
    pub(crate) pixels: Vec<Rgb888>,
}

impl Surface {
    /// A black surface, or `None` if its pixels cannot be allocated (reported as `ENOMEM`
    /// instead of aborting the host).
    pub(crate) fn new(position: Point, size: Size) -> Option<Self> {
        let count =
            usize::try_from(u64::from(size.width).checked_mul(u64::from(size.height))?).ok()?;
        let mut pixels = Vec::new();
        pixels.try_reserve_exact(count).ok()?;
        pixels.resize(count, Rgb888::BLACK);
        Some(Self {
            position,
            size,
            pixels,
        })
    }

    /// The display area the surface covers.
    pub(crate) fn display_area(&self) -> Rectangle {
        Rectangle::new(self.position, self.size)
    }

    /// Index of (x, y) in `pixels`, if inside.
    fn index(&self, x: i32, y: i32) -> Option<usize> {
        let x = u32::try_from(x).ok()?;
        let y = u32::try_from(y).ok()?;
        if x >= self.size.width || y >= self.size.height {
            return None;
        }
        Some(y as usize * self.size.width as usize + x as usize)
    }

    /// Sets one pixel; outside the surface nothing happens.
    pub(crate) fn set(&mut self, x: i32, y: i32, color: Rgb888) {
        if let Some(slot) = self
            .index(x, y)
            .and_then(|index| self.pixels.get_mut(index))
        {
            *slot = color;
        }
    }

    /// The pixel at (x, y), if inside.
    #[cfg(test)]
    pub(crate) fn get(&self, x: i32, y: i32) -> Option<Rgb888> {
        self.index(x, y)
            .and_then(|index| self.pixels.get(index).copied())
    }

    /// The mutable row `y` from column `x` on, `width` pixels long, if it lies inside.
    pub(crate) fn span_mut(&mut self, x: u32, y: u32, width: u32) -> Option<&mut [Rgb888]> {
        if y >= self.size.height || u64::from(x) + u64::from(width) > u64::from(self.size.width) {
            return None;
        }
        let start = y as usize * self.size.width as usize + x as usize;
        self.pixels.get_mut(start..start + width as usize)
    }
}

impl OriginDimensions for Surface {
    fn size(&self) -> Size {
        self.size
    }
}

impl DrawTarget for Surface {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(point, color) in pixels {
            self.set(point.x, point.y, color);
        }
        Ok(())
    }

    /// Row fills of the visible part only: clears, rectangles and circle scanlines cost the
    /// pixels they change, not the size the guest asked for.
    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let Some(visible) = vm_host::graphics::visible_area(area, self.size) else {
            return Ok(());
        };
        // Inside the surface, so the corner is non-negative.
        let x = visible.top_left.x.unsigned_abs();
        let top = visible.top_left.y.unsigned_abs();
        for y in top..top + visible.size.height {
            if let Some(span) = self.span_mut(x, y, visible.size.width) {
                span.fill(color);
            }
        }
        Ok(())
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.pixels.fill(color);
        Ok(())
    }
}
