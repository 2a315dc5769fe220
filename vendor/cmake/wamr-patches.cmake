# Build-time patches to WAMR's C sources, applied to a copy in the build directory (the
# sources in cargo's registry stay as published). WAMR's `project(iwasm)` includes this file
# (`CMAKE_PROJECT_iwasm_INCLUDE`, set by `wamr-common.cmake`); the patching runs once the `vmlib`
# target exists, at the end of WAMR's top-level CMakeLists. A patch whose anchor text is not
# found exactly once stops the build: a WAMR upgrade must revisit it, not lose it silently.
# See vendor/README.md for what each patch does and why.

if(CMAKE_VERSION VERSION_LESS 3.19)
  # `cmake_language(DEFER)` is needed to reach the vmlib target. (Not cmake_minimum_required:
  # that would change the policies of WAMR's whole build.)
  message(FATAL_ERROR "Xila's WAMR patches need CMake 3.19 or newer (found ${CMAKE_VERSION})")
endif()

# Replaces `anchor` (which must occur exactly once) in `text_variable` by itself followed by
# `insertion`. Both arrive as CMake quoted arguments: the C text's double quotes and
# backslashes are written `\"` and `\\` there.
function(xila_insert_after text_variable anchor insertion what)
  string(FIND "${${text_variable}}" "${anchor}" first)
  string(FIND "${${text_variable}}" "${anchor}" last REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR
      "Xila WAMR patch '${what}': its anchor is not in WAMR's source exactly once "
      "(WAMR changed?). Revisit vendor/cmake/wamr-patches.cmake.")
  endif()
  string(REPLACE "${anchor}" "${anchor}${insertion}" patched "${${text_variable}}")
  set(${text_variable} "${patched}" PARENT_SCOPE)
endfunction()

# Swaps `relative_path` (under core/iwasm) in vmlib's sources for a patched copy whose text is
# `text`.
function(xila_replace_source relative_path text)
  get_target_property(sources vmlib SOURCES)
  set(original_pattern "/core/iwasm/${relative_path}$")
  set(kept "${sources}")
  list(FILTER kept EXCLUDE REGEX "${original_pattern}")
  list(LENGTH sources before)
  list(LENGTH kept after)
  math(EXPR removed "${before} - ${after}")
  if(NOT removed EQUAL 1)
    message(FATAL_ERROR
      "Xila WAMR patch: core/iwasm/${relative_path} is among vmlib's sources ${removed} "
      "times, expected once. Revisit vendor/cmake/wamr-patches.cmake.")
  endif()
  # The copy keeps the original's depth under the build directory, so its relative
  # `#include "../…"` lines find nothing next to it and resolve through WAMR's include
  # directories to the original headers.
  set(copy "${CMAKE_BINARY_DIR}/xila-patched/core/iwasm/${relative_path}")
  file(WRITE "${copy}" "${text}")
  list(APPEND kept "${copy}")
  set_property(TARGET vmlib PROPERTY SOURCES "${kept}")
endfunction()

function(xila_patch_wamr)
  if(NOT TARGET vmlib)
    message(FATAL_ERROR "Xila WAMR patches: WAMR defined no vmlib target (WAMR changed?)")
  endif()
  set(common "${CMAKE_SOURCE_DIR}/core/iwasm/common/wasm_runtime_common.c")
  file(READ "${common}" text)

  # Lock-free "no exception pending" answer. With the thread manager (which the stop handle
  # needs), WAMR takes the instance's exception mutex each time it asks whether an exception
  # is pending: twice per host-function call (after the native returns, and in the
  # interpreter after the call), to read the first byte of the message. When a relaxed atomic
  # read of that byte finds it '\0', the answer is "no" without the lock; otherwise the
  # question is asked under the lock as before. A "yes" is therefore only given once the
  # writer has released the lock, with the message complete: a guest stopped from another
  # thread must not see "Exception: " before "terminated by user" is written (our test
  # `a_timeout_stops_a_loop_of_host_calls` caught that with an unconditional fast path).
  # A "no" while another thread is writing only delays the stop to the next check or to the
  # suspend flag that the stop also sets and the interpreter polls at every branch.
  xila_insert_after(text
"bool
wasm_copy_exception(WASMModuleInstance *module_inst, char *exception_buf)
{
    bool has_exception = false;
"
"
    /* Xila build patch (vendor/cmake/wamr-patches.cmake): that no exception is pending
       is answered without the lock; a pending one is confirmed under it, as before. */
    if (exception_buf == NULL
        && __atomic_load_n(&module_inst->cur_exception[0], __ATOMIC_RELAXED)
               == '\\0')
        return false;
"
    "lock-free no-exception check")

  # Lean argument passing for signature-less raw natives. vm-core registers its host functions
  # without a signature string (it checks every import's type itself before instantiating), so
  # WAMR has no pointer parameter to check or convert for them. For such a call the stock code
  # still zeroes a 16-slot buffer (128 bytes), tests the signature for every parameter and
  # copies each 64-bit value with the checked `bh_memcpy_s`. Here the slots are filled one by
  # one (an i32 or f32 slot's upper half written as zero, as the zeroed buffer gave it), the
  # 64-bit ones with a plain 8-byte copy, and the result read back as before. Any other value
  # type, more than one result or more than 16 parameters takes the stock path.
  xila_insert_after(text
"                               uint32 *argv, uint32 argc, uint32 *argv_ret)
{
    WASMModuleInstanceCommon *module = wasm_runtime_get_module_inst(exec_env);
"
"
    /* Xila build patch (vendor/cmake/wamr-patches.cmake): lean path for natives
       registered without a signature (no pointer parameters to check). */
    if (signature == NULL && func_type->param_count <= 16) {
        typedef void (*XilaNativeRawFuncPtr)(WASMExecEnv *, uint64 *);
        uint64 xila_slots[16];
        uint32 *xila_source = argv;
        uint32 xila_index, xila_count = func_type->param_count;
        uint8 xila_result = func_type->result_count > 0
                                ? func_type->types[xila_count]
                                : VALUE_TYPE_VOID;
        bool xila_lean = func_type->result_count <= 1;

        for (xila_index = 0; xila_lean && xila_index < xila_count;
             xila_index++) {
            switch (func_type->types[xila_index]) {
                case VALUE_TYPE_I32:
                case VALUE_TYPE_F32:
                    xila_slots[xila_index] = 0;
                    *(uint32 *)&xila_slots[xila_index] = *xila_source++;
                    break;
                case VALUE_TYPE_I64:
                case VALUE_TYPE_F64:
                    memcpy(&xila_slots[xila_index], xila_source, sizeof(uint64));
                    xila_source += 2;
                    break;
                default:
                    xila_lean = false;
                    break;
            }
        }
        switch (xila_result) {
            case VALUE_TYPE_VOID:
            case VALUE_TYPE_I32:
            case VALUE_TYPE_F32:
            case VALUE_TYPE_I64:
            case VALUE_TYPE_F64:
                break;
            default:
                xila_lean = false;
                break;
        }
        if (xila_lean) {
            if (xila_count == 0)
                xila_slots[0] = 0;
            exec_env->attachment = attachment;
            ((XilaNativeRawFuncPtr)func_ptr)(exec_env, xila_slots);
            exec_env->attachment = NULL;
            if (xila_result == VALUE_TYPE_I32 || xila_result == VALUE_TYPE_F32)
                argv_ret[0] = *(uint32 *)xila_slots;
            else if (xila_result != VALUE_TYPE_VOID)
                memcpy(argv_ret, xila_slots, sizeof(uint64));
            return !wasm_runtime_copy_exception(module, NULL);
        }
    }
"
    "lean signature-less raw native call")

  # A symbol that says the patches are in: vm-core's test `wamr_patches` links against it, so
  # a build where this file was not included (WAMR renamed its project, the toolchain file
  # was not used) fails that test instead of only running slower.
  string(APPEND text "
/* Xila build patch: marks a WAMR built with vendor/cmake/wamr-patches.cmake. */
const unsigned char xila_wamr_patched = 1;
")
  xila_replace_source("common/wasm_runtime_common.c" "${text}")
  # Reconfigure when the original changes (a different WAMR in the same build directory).
  set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${common}")

  # Direct host calls. vm-core registers every host function with one exported native,
  # `xila_vm_host_trampoline`, which takes its arguments in 64-bit slots. For a raw native with
  # that address, the interpreter and the AOT runtime here call vm-core's
  # `xila_vm_host_call_cells` with the caller's own 32-bit argument cells instead of going
  # through `wasm_runtime_invoke_native_raw`: no call in between, no slot buffer, no copy
  # (vm-core knows each function's parameter types). Frames, the native-stack check and the
  # exception check after the call stay as they are; only vm-core's natives are affected.
  # AOT calls through a table (`aot_call_indirect`, left as it is) and WAMR builds without
  # this file still call `xila_vm_host_trampoline`.
  set(declarations "
/* Xila build patch (vendor/cmake/wamr-patches.cmake): vm-core's host-function entries
   (crates/vm-core/src/host.rs). */
void
xila_vm_host_trampoline(WASMExecEnv *exec_env, uint64 *slots);
void
xila_vm_host_call_cells(WASMExecEnv *exec_env, const uint32 *cells,
                        uint32 *results);
")

  set(interpreter "${CMAKE_SOURCE_DIR}/core/iwasm/interpreter/wasm_interp_fast.c")
  file(READ "${interpreter}" text)
  xila_insert_after(text "#include \"../common/wasm_exec_env.h\"
" "${declarations}" "direct host calls: interpreter declarations")
  # The interpreter loop on a 64-byte boundary. It is one 13 KB function whose opcode
  # handlers are jump targets; where it lands modulo the CPU's fetch blocks depended on
  # whatever code the linker put before it, so guest code ran up to 5 % faster or slower
  # from one build to the next with no change to the interpreter. Aligned, its layout is the
  # same in every build (measured in vendor/README.md).
  xila_insert_after(text "#include \"../common/wasm_exec_env.h\"
" "
/* Xila build patch (vendor/cmake/wamr-patches.cmake): the interpreter loop starts on a
   64-byte boundary, so its layout does not depend on the code linked before it. */
static void
wasm_interp_call_func_bytecode(WASMModuleInstance *module, WASMExecEnv *exec_env,
                               WASMFunctionInstance *cur_func,
                               WASMInterpFrame *prev_frame)
    __attribute__((aligned(64)));
" "aligned interpreter loop")
  # The frame's cells hold the arguments; the results go to the interpreter's `argv_ret`,
  # which it copies to the caller's frame as for any native.
  xila_insert_after(text
"            c_api_func_import->with_env_arg, c_api_func_import->env_arg);
        if (ret) {
            argv_ret[0] = frame->lp[0];
            argv_ret[1] = frame->lp[1];
        }
    }
"
"    /* Xila build patch: vm-core's natives get the frame's cells directly. */
    else if (func_import->call_conv_raw
             && native_func_pointer == (void *)xila_vm_host_trampoline) {
        exec_env->attachment = func_import->attachment;
        xila_vm_host_call_cells(exec_env, frame->lp, argv_ret);
        exec_env->attachment = NULL;
        ret = !wasm_copy_exception(module_inst, NULL);
    }
"
    "direct host calls: interpreter dispatch")
  xila_replace_source("interpreter/wasm_interp_fast.c" "${text}")
  set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${interpreter}")

  # LEB128 numbers of up to five bytes read in line by the loader. The loader's first pass
  # over each function body (the one that validates) reads every index, immediate and
  # constant through `read_leb`, a call into another file that calls the general decoder
  # `bh_leb_read`: ~80 instructions per number, 13 % of loading a small Rust program. Up to
  # five bytes (every 32-bit number; `wasm-ld` pads relocated indices and addresses to five)
  # they are decoded here, in line, to the value `bh_leb_read` gives, with its checks: a
  # five-byte 32-bit number whose bits beyond 32 are neither zero nor copies of the sign bit,
  # a longer number, or one cut by the end of the buffer goes to `read_leb` as before, which
  # reports the error it always did. The second pass already reads without checks
  # (`read_leb_quick`). Test: crates/vm-core/tests/leb128.rs.
  set(loader "${CMAKE_SOURCE_DIR}/core/iwasm/interpreter/wasm_loader.c")
  file(READ "${loader}" text)
  xila_insert_after(text
"#define read_leb_int32(p, p_end, res)                                   \\
    do {                                                                \\
        uint64 res64;                                                   \\
        if (!read_leb((uint8 **)&p, p_end, 32, true, &res64, error_buf, \\
                      error_buf_size))                                  \\
            goto fail;                                                  \\
        res = (int32)res64;                                             \\
    } while (0)
"
"
/* Xila build patch (vendor/cmake/wamr-patches.cmake): LEB128 numbers of up to five bytes
   are decoded in line; longer or invalid ones, and any cut by the end of the buffer, go to
   read_leb, which reports the error. */
static inline bool
xila_read_short_leb(uint8 **p_buf, const uint8 *buf_end, uint32 maxbits,
                    bool sign, uint64 *p_result)
{
    const uint8 *buf = *p_buf;
    uint64 result;
    uint32 count, shift;
    uint8 byte;

    if (buf >= buf_end)
        return false;
    byte = buf[0];
    result = byte & 0x7f;
    for (count = 1; byte & 0x80; count++) {
        if (count == 5 || buf + count >= buf_end)
            return false;
        byte = buf[count];
        result |= (uint64)(byte & 0x7f) << (7 * count);
    }
    shift = 7 * count;
    if (shift > maxbits) {
        /* Five bytes of a 32-bit number: the bits beyond 32 must be zero, or
           copies of the sign bit; bh_leb_read reports the error otherwise. */
        if (!sign ? (byte & 0xf0) != 0
                  : (byte & 0xf0) != ((byte & 0x08) ? 0x70 : 0))
            return false;
    }
    else if (sign && (byte & 0x40))
        result |= (~(uint64)0) << shift;
    *p_buf += count;
    *p_result = result;
    return true;
}

#define xila_read_leb(p, p_end, maxbits, sign, res64)                    \\
    (xila_read_short_leb((uint8 **)&p, p_end, maxbits, sign, &res64)     \\
     || read_leb((uint8 **)&p, p_end, maxbits, sign, &res64, error_buf, \\
                 error_buf_size))

#undef read_leb_int64
#define read_leb_int64(p, p_end, res)                   \\
    do {                                                \\
        uint64 res64;                                   \\
        if (!xila_read_leb(p, p_end, 64, true, res64)) \\
            goto fail;                                  \\
        res = (int64)res64;                             \\
    } while (0)

#undef read_leb_uint32
#define read_leb_uint32(p, p_end, res)                   \\
    do {                                                 \\
        uint64 res64;                                    \\
        if (!xila_read_leb(p, p_end, 32, false, res64)) \\
            goto fail;                                   \\
        res = (uint32)res64;                             \\
    } while (0)

#undef read_leb_int32
#define read_leb_int32(p, p_end, res)                   \\
    do {                                                \\
        uint64 res64;                                   \\
        if (!xila_read_leb(p, p_end, 32, true, res64)) \\
            goto fail;                                  \\
        res = (int32)res64;                             \\
    } while (0)
"
    "short LEB128 numbers in line")
  xila_replace_source("interpreter/wasm_loader.c" "${text}")
  set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${loader}")

  # AOT code passes one buffer for the arguments and the results; the results are written
  # back into it after the call, as many cells as the type's results take, so that vm-core
  # never sees the two as one buffer. (Only when the AOT loader is built.)
  if(WAMR_BUILD_AOT EQUAL 1)
    set(aot "${CMAKE_SOURCE_DIR}/core/iwasm/aot/aot_runtime.c")
    file(READ "${aot}" text)
    xila_insert_after(text "#include \"../interpreter/wasm_runtime.h\"
" "${declarations}" "direct host calls: AOT declarations")
    xila_insert_after(text
"                                       attachment, argv, argc, argv);
#if WASM_ENABLE_MULTI_MODULE != 0 && WASM_ENABLE_AOT_STACK_FRAME != 0
        /* Free all frames allocated, note that some frames
           may be allocated in AOT code and haven't been
           freed if exception occurred */
        while (get_top_frame(exec_env) != prev_frame)
            aot_free_frame(exec_env);
#endif
    }
"
"    /* Xila build patch: vm-core's natives get the argument cells directly. */
    else if (import_func->call_conv_raw
             && func_ptr == (void *)xila_vm_host_trampoline) {
        uint32 xila_results[2] = { 0, 0 }, xila_index;

        exec_env->attachment = attachment;
        xila_vm_host_call_cells(exec_env, argv, xila_results);
        exec_env->attachment = NULL;
        ret = !wasm_runtime_copy_exception(
            (WASMModuleInstanceCommon *)module_inst, NULL);
        for (xila_index = 0; ret && xila_index < func_type->ret_cell_num
                             && xila_index < 2;
             xila_index++)
            argv[xila_index] = xila_results[xila_index];
    }
"
      "direct host calls: AOT dispatch")
    xila_replace_source("aot/aot_runtime.c" "${text}")
    set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${aot}")
  endif()
endfunction()

cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL xila_patch_wamr)
