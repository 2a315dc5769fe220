//! The raw imports, exactly as `docs/bindings.md` and WAMR's `wasi_socket_ext.h` declare them.
//!
//! On `wasm32` these are `unsafe extern "C"` imports resolved by the VM at instantiation. On
//! every other target the same functions exist as stubs returning `notsup` (58), so the SDK
//! builds (and its docs and host tests run) in the main workspace; the safe wrappers turn that
//! code into [`Error::Unsupported`](crate::Error::Unsupported).
//!
//! Pointers are guest addresses (32-bit on `wasm32`); every function returns `0` or a WASI
//! errno. Prefer the safe API ([`crate::graphics`], [`crate::net`]).

/// `notsup`: what the stubs return on targets without the imports.
pub const NOT_SUPPORTED: i32 = 58;

/// Declares a list of imports from one module: real imports on `wasm32`, stubs elsewhere.
macro_rules! imports {
    (
        $(#[$module_meta:meta])*
        pub mod $module:ident = $import_module:literal {
            $( $(#[$meta:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?); )*
        }
    ) => {
        $(#[$module_meta])*
        pub mod $module {
            #[allow(unused_imports)] // not every module uses every type
            use super::*;

            #[cfg(target_arch = "wasm32")]
            #[link(wasm_import_module = $import_module)]
            unsafe extern "C" {
                $(
                    $(#[$meta])*
                    #[doc = ""]
                    #[doc = concat!("Imported as `", $import_module, ".", stringify!($name), "`.")]
                    pub fn $name($($arg: $ty),*) -> i32;
                )*
            }

            $(
                #[cfg(not(target_arch = "wasm32"))]
                $(#[$meta])*
                #[doc = ""]
                #[doc = concat!("Stub of `", $import_module, ".", stringify!($name), "` for targets other than `wasm32`: returns `notsup`.")]
                #[doc = ""]
                #[doc = "# Safety"]
                #[doc = ""]
                #[doc = "On `wasm32`, pointer arguments must point to valid guest memory of the layout the ABI gives, writable for out-pointers; the stub itself touches nothing."]
                #[allow(clippy::too_many_arguments)] // the ABI's signature, verbatim
                pub unsafe fn $name($($arg: $ty),*) -> i32 {
                    let _ = ($($arg,)*);
                    super::NOT_SUPPORTED
                }
            )*
        }
    };
}

/// A WASI `ciovec`: a buffer the host reads (`sock_send`, `sock_send_to`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CIoVec {
    /// Start of the buffer.
    pub buf: *const u8,
    /// Its length in bytes.
    pub buf_len: usize,
}

/// A WASI `iovec`: a buffer the host writes (`sock_recv`, `sock_recv_from`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct IoVec {
    /// Start of the buffer.
    pub buf: *mut u8,
    /// Its length in bytes.
    pub buf_len: usize,
}

/// `DisplayInfo` of `xila_graphics_v1` (12 bytes, align 4).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisplayInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 0 RGB565, 1 RGB888.
    pub pixel_format: u32,
}

/// `InputEvent` of `xila_graphics_v1` (16 bytes, align 4).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputEvent {
    /// 0 NONE, 1 POINTER_DOWN, 2 POINTER_UP, 3 POINTER_MOVE, 4 KEY_DOWN, 5 KEY_UP.
    pub kind: u32,
    /// Pointer events: display x.
    pub x: i32,
    /// Pointer events: display y.
    pub y: i32,
    /// Key events: the key code.
    pub key: u32,
}

/// WAMR's `__wasi_addr_t` (24 bytes, align 4): `kind` (0 IPv4, 1 IPv6) at 0, then the union
/// at 4 — IPv4: 4 address bytes then the port (`u16`, little-endian) at 8; IPv6: eight `u16`
/// groups then the port at 20. Kept as bytes and encoded by [`crate::net`].
#[repr(C, align(4))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WasiAddr {
    /// The raw bytes.
    pub bytes: [u8; 24],
}

/// WAMR's `__wasi_addr_info_t` (28 bytes, align 4): an address and its socket type.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WasiAddrInfo {
    /// The address.
    pub addr: WasiAddr,
    /// `__wasi_sock_type_t`: 0 datagram, 1 stream.
    pub sock_type: i32,
}

/// WAMR's `__wasi_addr_info_hints_t` (12 bytes, align 4).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WasiAddrInfoHints {
    /// `__wasi_sock_type_t`: -1 any, 0 datagram, 1 stream.
    pub sock_type: i32,
    /// `__wasi_address_family_t`: 0 INET4, 1 INET6, 2 unspecified.
    pub family: i32,
    /// Non-zero when the two fields above apply.
    pub hints_enabled: u8,
}

imports! {
    /// `xila_graphics_v1`: display, surfaces, drawing and input.
    pub mod graphics = "xila_graphics_v1" {
        /// The display's size and pixel format.
        fn display_info(out: *mut DisplayInfo);
        /// Creates a surface at (x, y) of the given size; writes its handle.
        fn surface_create(x: i32, y: i32, width: u32, height: u32, out: *mut u32);
        /// Frees a surface.
        fn surface_destroy(surface: u32);
        /// Fills a surface with `0x00RRGGBB`.
        fn clear(surface: u32, color: u32);
        /// Draws one pixel.
        fn draw_pixel(surface: u32, x: i32, y: i32, color: u32);
        /// Draws a line `stroke` pixels wide.
        fn draw_line(surface: u32, x0: i32, y0: i32, x1: i32, y1: i32, color: u32, stroke: u32);
        /// Draws a rectangle, outlined or filled.
        fn draw_rectangle(surface: u32, x: i32, y: i32, width: u32, height: u32, color: u32, filled: u32, stroke: u32);
        /// Draws a circle whose bounding box starts at (x, y).
        fn draw_circle(surface: u32, x: i32, y: i32, diameter: u32, color: u32, filled: u32, stroke: u32);
        /// Draws UTF-8 text in the host's 6×10 font; `background` `0xFFFFFFFF` is transparent.
        fn draw_text(surface: u32, x: i32, y: i32, text: *const u8, length: u32, color: u32, background: u32);
        /// Copies a pixel buffer (`format` 0 RGB565, 1 RGB888) to the surface.
        fn blit(surface: u32, x: i32, y: i32, width: u32, height: u32, pixels: *const u8, length: u32, format: u32);
        /// Puts the surface on the display.
        fn present(surface: u32);
        /// The next input event, or one of kind NONE.
        fn poll_event(out: *mut InputEvent);
    }
}

imports! {
    /// `wasi_snapshot_preview1`: the socket calls of preview1 and of WAMR's extension.
    pub mod socket = "wasi_snapshot_preview1" {
        /// Opens a socket (`af` 0 INET4, 1 INET6; `socktype` 0 datagram, 1 stream); `poolfd`
        /// is unused by the hosts (WAMR's `lib-socket` passes -1).
        fn sock_open(poolfd: u32, af: i32, socktype: i32, sockfd: *mut u32);
        /// Binds a socket to an address.
        fn sock_bind(fd: u32, addr: *const WasiAddr);
        /// Connects a socket.
        fn sock_connect(fd: u32, addr: *const WasiAddr);
        /// Marks a stream socket as listening.
        fn sock_listen(fd: u32, backlog: u32);
        /// Accepts a connection.
        fn sock_accept(fd: u32, flags: u32, fd_new: *mut u32);
        /// Receives into the buffers (preview1).
        fn sock_recv(fd: u32, ri_data: *const IoVec, ri_data_len: u32, ri_flags: u32, ro_data_len: *mut u32, ro_flags: *mut u16);
        /// Sends from the buffers (preview1).
        fn sock_send(fd: u32, si_data: *const CIoVec, si_data_len: u32, si_flags: u32, so_data_len: *mut u32);
        /// Sends a datagram to an address.
        fn sock_send_to(fd: u32, si_data: *const CIoVec, si_data_len: u32, si_flags: u32, dest_addr: *const WasiAddr, so_data_len: *mut u32);
        /// Receives a datagram and its source address.
        fn sock_recv_from(fd: u32, ri_data: *const IoVec, ri_data_len: u32, ri_flags: u32, src_addr: *mut WasiAddr, ro_data_len: *mut u32);
        /// Shuts down reading (1), writing (2) or both (3) (preview1).
        fn sock_shutdown(fd: u32, how: u32);
        /// Resolves `host` (NUL-terminated) and `service` into up to `addr_info_size` entries;
        /// writes how many there are in total.
        fn sock_addr_resolve(host: *const u8, service: *const u8, hints: *const WasiAddrInfoHints, addr_info: *mut WasiAddrInfo, addr_info_size: u32, max_info_size: *mut u32);
        /// The socket's local address.
        fn sock_addr_local(fd: u32, addr: *mut WasiAddr);
        /// The socket's peer address.
        fn sock_addr_remote(fd: u32, addr: *mut WasiAddr);
        /// Closes a descriptor.
        fn fd_close(fd: u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    #[test]
    fn layouts_match_the_abi() {
        assert_eq!(
            (size_of::<DisplayInfo>(), align_of::<DisplayInfo>()),
            (12, 4)
        );
        assert_eq!((size_of::<InputEvent>(), align_of::<InputEvent>()), (16, 4));
        assert_eq!((size_of::<WasiAddr>(), align_of::<WasiAddr>()), (24, 4));
        assert_eq!(
            (size_of::<WasiAddrInfo>(), align_of::<WasiAddrInfo>()),
            (28, 4)
        );
        assert_eq!(size_of::<WasiAddrInfoHints>(), 12);
    }

    #[test]
    fn stubs_say_not_supported() {
        // SAFETY: the host stub touches no memory.
        let code = unsafe { graphics::present(1) };
        assert_eq!(code, NOT_SUPPORTED);
    }
}
