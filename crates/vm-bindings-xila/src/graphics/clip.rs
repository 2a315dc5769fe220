//! Reducing guest geometry to what can reach a surface before it meets `embedded-graphics`.
//!
//! Guests may pass any `i32` coordinate and `u32` size, and anything outside a surface is
//! clipped. `embedded-graphics` computes in `i32` and iterates over whole primitives, so
//! handing it `i32::MAX` coordinates would overflow (a panic in debug builds) and a line
//! billions of pixels long would keep the host busy while the guest's instruction budget
//! does not run. Each primitive is therefore first reduced, in 64-bit arithmetic, to a
//! primitive whose visible pixels are the same but whose coordinates stay within a few
//! stroke widths of the surface.

use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::primitives::Rectangle;

/// A rectangle clamped to the surface plus `margin` pixels on each side, or `None` if nothing
/// of it is visible.
///
/// With an inside stroke of width `w` and `margin ≥ 2w + 2`, a clamped edge and its stroke
/// lie entirely outside the surface, so the visible pixels are those of the original
/// rectangle (the stroke of a moved edge is never thinner than `w` because the clamped
/// rectangle still extends at least `2w` beyond the surface on that side).
pub(crate) fn rectangle(
    surface: Size,
    x: i32,
    y: i32,
    width: u32,
    height: u32,
    margin: u32,
) -> Option<Rectangle> {
    let (left, right) = span(i64::from(x), u64::from(width), surface.width, margin)?;
    let (top, bottom) = span(i64::from(y), u64::from(height), surface.height, margin)?;
    Some(Rectangle::with_corners(
        Point::new(left, top),
        Point::new(right - 1, bottom - 1),
    ))
}

/// `[start, start + length)` clamped to `[-margin, limit + margin]`; `None` if it misses
/// `[0, limit)`.
fn span(start: i64, length: u64, limit: u32, margin: u32) -> Option<(i32, i32)> {
    let end = start.checked_add(i64::try_from(length).ok()?)?;
    if end <= 0 || start >= i64::from(limit) || length == 0 {
        return None;
    }
    let low = -i64::from(margin);
    let high = i64::from(limit) + i64::from(margin);
    let start = i32::try_from(start.clamp(low, high)).ok()?;
    let end = i32::try_from(end.clamp(low, high)).ok()?;
    Some((start, end))
}

/// Whether the box `[x, x + width) × [y, y + height)` (64-bit) touches the surface.
pub(crate) fn touches(surface: Size, x: i64, y: i64, width: u64, height: u64) -> bool {
    let (Ok(width), Ok(height)) = (i64::try_from(width), i64::try_from(height)) else {
        return false;
    };
    width > 0
        && height > 0
        && x.saturating_add(width) > 0
        && y.saturating_add(height) > 0
        && x < i64::from(surface.width)
        && y < i64::from(surface.height)
}

/// The part of the segment from `start` to `end` inside the surface grown by `margin`
/// (Liang–Barsky, exact rational parameters), with the new end points rounded to the nearest
/// pixel; `None` if the segment misses that box. A segment already inside is returned as is,
/// so its pixels are exactly those `embedded-graphics` draws for it.
pub(crate) fn line(
    surface: Size,
    start: (i32, i32),
    end: (i32, i32),
    margin: u32,
) -> Option<(Point, Point)> {
    let low = -i64::from(margin);
    let x_high = i64::from(surface.width) + i64::from(margin);
    let y_high = i64::from(surface.height) + i64::from(margin);
    let (x0, y0) = (i64::from(start.0), i64::from(start.1));
    let (x1, y1) = (i64::from(end.0), i64::from(end.1));
    let inside = |x: i64, y: i64| (low..=x_high).contains(&x) && (low..=y_high).contains(&y);
    if inside(x0, y0) && inside(x1, y1) {
        return Some((Point::new(start.0, start.1), Point::new(end.0, end.1)));
    }
    let (dx, dy) = (x1 - x0, y1 - y0);
    // t = numerator / denominator, denominator > 0; start at [0, 1].
    let mut enter = (0_i128, 1_i128);
    let mut leave = (1_i128, 1_i128);
    for (p, q) in [
        (-dx, x0 - low),
        (dx, x_high - x0),
        (-dy, y0 - low),
        (dy, y_high - y0),
    ] {
        let (p, q) = (i128::from(p), i128::from(q));
        if p == 0 {
            if q < 0 {
                return None;
            }
            continue;
        }
        // r = q / p with a positive denominator.
        let r = if p < 0 { (-q, -p) } else { (q, p) };
        if p < 0 {
            if r.0 * enter.1 > enter.0 * r.1 {
                enter = r;
            }
        } else if r.0 * leave.1 < leave.0 * r.1 {
            leave = r;
        }
    }
    if enter.0 * leave.1 > leave.0 * enter.1 {
        return None;
    }
    let at = |(numerator, denominator): (i128, i128)| -> Option<Point> {
        let x = i128::from(x0) + divide_rounded(i128::from(dx) * numerator, denominator);
        let y = i128::from(y0) + divide_rounded(i128::from(dy) * numerator, denominator);
        Some(Point::new(i32::try_from(x).ok()?, i32::try_from(y).ok()?))
    };
    Some((at(enter)?, at(leave)?))
}

/// `value / divisor` rounded to the nearest integer (halves away from −∞), `divisor > 0`.
fn divide_rounded(value: i128, divisor: i128) -> i128 {
    (2 * value + divisor).div_euclid(2 * divisor)
}

/// Splits the segment into pieces short enough for `embedded-graphics`' thick-line
/// arithmetic, which computes `(2 × stroke)² × length²` in `i32`: each piece has
/// `|dx|, |dy| ≤ 16384 / stroke − 1`, so that product stays below 2³¹. Short segments (every
/// segment of a thin line on a realistic display) are one piece, drawn exactly.
pub(crate) fn pieces(
    start: Point,
    end: Point,
    stroke: u32,
) -> impl Iterator<Item = (Point, Point)> {
    let limit = i64::from((16_384 / stroke.max(1)).saturating_sub(1).max(1));
    let dx = i64::from(end.x) - i64::from(start.x);
    let dy = i64::from(end.y) - i64::from(start.y);
    let longest = dx.abs().max(dy.abs());
    let count = ((longest + limit - 1) / limit).max(1);
    let point = move |index: i64| -> Point {
        let x = i128::from(start.x)
            + divide_rounded(i128::from(dx) * i128::from(index), i128::from(count));
        let y = i128::from(start.y)
            + divide_rounded(i128::from(dy) * i128::from(index), i128::from(count));
        // Between the two end points, which are `i32`.
        Point::new(
            i32::try_from(x).unwrap_or(end.x),
            i32::try_from(y).unwrap_or(end.y),
        )
    };
    (0..count).map(move |index| (point(index), point(index + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SURFACE: Size = Size::new(10, 8);

    #[test]
    fn rectangles_are_clamped_or_dropped() {
        assert_eq!(
            rectangle(SURFACE, 2, 3, 4, 2, 4),
            Some(Rectangle::new(Point::new(2, 3), Size::new(4, 2)))
        );
        assert_eq!(
            rectangle(SURFACE, i32::MIN, -5, u32::MAX, u32::MAX, 4),
            Some(Rectangle::with_corners(
                Point::new(-4, -4),
                Point::new(13, 11)
            ))
        );
        assert_eq!(rectangle(SURFACE, 10, 0, 5, 5, 4), None);
        assert_eq!(rectangle(SURFACE, -5, 0, 5, 5, 4), None);
        assert_eq!(rectangle(SURFACE, 0, 0, 0, 5, 4), None);
        assert_eq!(
            rectangle(SURFACE, i32::MAX, i32::MAX, u32::MAX, u32::MAX, 4),
            None
        );
    }

    #[test]
    fn lines_inside_are_untouched_and_long_lines_are_cut() {
        // Leaves the box at x = 12: y = 1 + 2 × 11/19, rounded.
        assert_eq!(
            line(SURFACE, (1, 1), (20, 3), 2),
            Some((Point::new(1, 1), Point::new(12, 2)))
        );
        assert_eq!(
            line(SURFACE, (1, 1), (9, 7), 2),
            Some((Point::new(1, 1), Point::new(9, 7)))
        );
        assert_eq!(
            line(SURFACE, (i32::MIN, 4), (i32::MAX, 4), 2),
            Some((Point::new(-2, 4), Point::new(12, 4)))
        );
        assert_eq!(line(SURFACE, (-100, -1), (100, -50), 2), None);
        assert_eq!(
            line(SURFACE, (i32::MIN, i32::MIN), (i32::MAX, i32::MAX), 0),
            Some((Point::new(0, 0), Point::new(8, 8)))
        );
    }

    #[test]
    fn long_thick_segments_are_split() {
        let all: alloc::vec::Vec<_> = pieces(Point::new(0, 0), Point::new(300, 0), 255).collect();
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].0, Point::new(0, 0));
        assert_eq!(all[4].1, Point::new(300, 0));
        assert_eq!(pieces(Point::new(0, 0), Point::new(300, 7), 1).count(), 1);
    }
}
