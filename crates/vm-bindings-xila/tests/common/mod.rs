//! Helpers shared by the graphics integration tests.
//!
//! A [`Guest`] is a module that imports every `xila_graphics_v1` function and re-exports it
//! under the same name, with one page of exported memory, so a test calls the raw ABI from
//! Rust with the arguments it chooses ([`Guest::call`] returns the status) and reads results
//! back from guest memory.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::{Arc, OnceLock};

use vm_bindings_xila::graphics::{self, GraphicsState};
use vm_core::{Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig, Value};
use vm_host::graphics::{Display, Framebuffer, PixelFormat};

/// The process-wide runtime.
pub fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

/// A linker with every graphics function (built once).
pub fn linker() -> Linker {
    static LINKER: OnceLock<Linker> = OnceLock::new();
    LINKER
        .get_or_init(|| {
            let mut linker = Linker::new(runtime());
            graphics::define(&mut linker).expect("graphics functions register");
            linker
        })
        .clone()
}

/// Parameter count of each function (all parameters and results are `i32`).
pub const FUNCTIONS: &[(&str, usize)] = &[
    ("display_info", 1),
    ("surface_create", 5),
    ("surface_destroy", 1),
    ("clear", 2),
    ("draw_pixel", 4),
    ("draw_line", 7),
    ("draw_rectangle", 8),
    ("draw_circle", 7),
    ("draw_text", 7),
    ("blit", 8),
    ("present", 1),
    ("poll_event", 1),
];

/// WAT of a module importing and re-exporting every graphics function, with `pages` pages of
/// exported memory (0: no memory at all).
pub fn wrappers(pages: u32) -> String {
    let mut text = String::from("(module\n");
    for (name, count) in FUNCTIONS {
        let params = vec!["i32"; *count].join(" ");
        text.push_str(&format!(
            "  (import \"xila_graphics_v1\" \"{name}\" (func ${name} (param {params}) (result i32)))\n"
        ));
    }
    for (name, count) in FUNCTIONS {
        let params = vec!["i32"; *count].join(" ");
        let forwards: String = (0..*count).map(|i| format!(" (local.get {i})")).collect();
        text.push_str(&format!(
            "  (func (export \"{name}\") (param {params}) (result i32) (call ${name}{forwards}))\n"
        ));
    }
    if pages > 0 {
        text.push_str(&format!("  (memory (export \"memory\") {pages})\n"));
    }
    text.push_str(")\n");
    text
}

/// An `i32` argument from an unsigned value.
pub fn u(value: u32) -> Value {
    Value::I32(value as i32)
}

/// An `i32` argument.
pub fn i(value: i32) -> Value {
    Value::I32(value)
}

/// A guest instance over a framebuffer.
pub struct Guest {
    pub instance: Instance,
    pub display: Arc<Framebuffer>,
}

impl Guest {
    /// A guest with one page of memory over a `width × height` RGB888 framebuffer.
    pub fn new(width: u32, height: u32) -> Self {
        Self::with(width, height, PixelFormat::Rgb888, 1)
    }

    /// A guest with `pages` pages of memory over a framebuffer in `format`.
    pub fn with(width: u32, height: u32, format: PixelFormat, pages: u32) -> Self {
        let display = Arc::new(Framebuffer::new(width, height, format).expect("framebuffer"));
        let wasm = wat::parse_str(wrappers(pages)).expect("valid WAT");
        let module = Module::from_bytes(runtime(), wasm).expect("module loads");
        let mut data = InstanceData::new();
        let shared: Arc<dyn Display> = display.clone();
        data.insert(GraphicsState::new(shared));
        let instance = Instance::new(runtime(), &module, &linker(), Limits::default(), data)
            .expect("instantiates");
        Self { instance, display }
    }

    /// Calls `name` and returns its status.
    pub fn call(&mut self, name: &str, args: &[Value]) -> i32 {
        match self
            .instance
            .call(name, args)
            .expect("call succeeds")
            .as_slice()
        {
            [Value::I32(status)] => *status,
            other => panic!("unexpected results {other:?}"),
        }
    }

    /// Writes bytes into guest memory.
    pub fn write(&mut self, offset: u32, bytes: &[u8]) {
        self.instance
            .memory()
            .expect("memory")
            .write_bytes(offset, bytes)
            .expect("in bounds");
    }

    /// Reads bytes from guest memory.
    pub fn read(&mut self, offset: u32, length: u32) -> Vec<u8> {
        self.instance
            .memory()
            .expect("memory")
            .bytes(offset, length)
            .expect("in bounds")
            .to_vec()
    }

    /// Reads a little-endian `u32` from guest memory.
    pub fn read_u32(&mut self, offset: u32) -> u32 {
        let bytes = self.read(offset, 4);
        u32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }

    /// Creates a surface and returns its handle (asserting success).
    pub fn surface(&mut self, x: i32, y: i32, width: u32, height: u32) -> u32 {
        assert_eq!(
            self.call("surface_create", &[i(x), i(y), u(width), u(height), u(0)]),
            0
        );
        self.read_u32(0)
    }

    /// Number of surfaces the guest holds.
    pub fn surface_count(&self) -> usize {
        self.instance
            .data()
            .get::<GraphicsState>()
            .expect("state")
            .surface_count()
    }
}
