/*
 * The C side of xila-aotc: drives WAMR's ahead-of-time compiler with the options the Xila VM
 * needs, replaces the one piece of code generation that does not do what the VM needs
 * (check_suspend_flags, see below), and adds alias information for linear memory to the
 * generated code before WAMR's optimisation passes run (aot_apply_llvm_new_pass_manager).
 *
 * The Rust side (src/compiler.rs) chooses the target, CPU and features; everything that makes
 * the code safe for the VM's runtime is fixed here and recorded in the stamp by the Rust side:
 * software bounds checks, native-stack checks, stop checks, no SIMD (the runtime has none).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot_compiler.h"
#include "aot_emit_aot_file.h"
#include "bh_log.h"
#include "wasm.h"
#include "wasm_export.h"

/* Mirrored in src/ffi.rs. */
typedef struct XilaAotRequest {
    uint8_t *wasm;
    uint32_t wasm_len;
    const char *target_arch;
    const char *target_abi;
    const char *cpu;
    const char *cpu_features;
    bool xip;
    uint32_t opt_level;
    uint32_t size_level;
    /* Written next to the .aot when not NULL: the optimised LLVM IR, for inspection. */
    const char *llvm_ir_path;
    /* Scratch file for LLVM's per-function stack usage, which WAMR reads back to size the
     * native-stack checks. WAMR's default is a file in the current directory, left behind
     * when LLVM exits on a fatal error; the caller picks the path and removes the file. */
    const char *stack_usage_path;
} XilaAotRequest;

/* Receives the .aot bytes before the driver frees them. */
typedef void (*XilaAotSink)(void *context, const uint8_t *bytes, uint32_t len);

/* Mirrored in src/ffi.rs. */
enum XilaAotStatus {
    XILA_AOT_OK = 0,
    XILA_AOT_INIT_FAILED = 1,
    XILA_AOT_LOAD_FAILED = 2,
    XILA_AOT_INSTANTIATION_CODE = 3,
    XILA_AOT_COMPILE_FAILED = 4,
    XILA_AOT_EMIT_FAILED = 5,
    XILA_AOT_LLVM_IR_FAILED = 6,
};

static bool wamr_messages_shown = false;

/* WAMR prints through os_printf (BH_VPRINTF is defined as this function by build.rs): to
 * stderr, and only when asked, so the tool's own output stays readable. */
int
xila_wamr_vprintf(const char *format, va_list args)
{
    if (!wamr_messages_shown) {
        return 0;
    }
    return vfprintf(stderr, format, args);
}

void
xila_aot_show_wamr_messages(bool shown)
{
    wamr_messages_shown = shown;
    bh_log_set_verbose_level(shown ? BH_LOG_LEVEL_WARNING : BH_LOG_LEVEL_FATAL);
}

void
xila_aot_wamr_version(uint32_t *major, uint32_t *minor, uint32_t *patch)
{
    wasm_runtime_get_version(major, minor, patch);
}

/*
 * WAMR's own check_suspend_flags (aot_emit_control.c) emits the terminate-flag poll only
 * when memory 0 is shared: upstream assumes only threads need to be stopped. The Xila VM's
 * stop handle must end any runaway guest, so this definition, which the linker prefers to
 * WAMR's (build.rs declares WAMR's weak), emits it for every module.
 *
 * WAMR asks for a check at every branch back to a loop header and before every call
 * (check_terminate_and_suspend true), and after calls and memory.atomic.wait (false). Only
 * the first kind is emitted: code that runs forever must take a loop back edge or make a call
 * again and again (a chain of returns is as long as the stack, and tail calls are off), so
 * those checks alone bound the time until a stop is seen. The ones after calls are
 * redundant; dropping them made call-heavy code ~9 % faster (fib, x86-64) and the code ~5 %
 * smaller. An exception raised while the callee ran is still caught by WAMR's own exception
 * check after the call.
 *
 * The emitted code is WAMR's: a volatile load of exec_env->suspend_flags (the sixth pointer-
 * sized field of WASMExecEnv, a layout WAMR fixes for AOT code), and when the terminate bit is
 * set, a return of zero values. wasm_runtime_terminate has already set the instance's
 * exception, so every caller's exception check unwinds to the runtime, which reports the
 * trap. Nothing else depends on whether memory is shared.
 */
bool
check_suspend_flags(AOTCompContext *comp_ctx, AOTFuncContext *func_ctx,
                    bool check_terminate_and_suspend)
{
    LLVMValueRef offset = I32_FIVE, flags_addr, flags, terminate_bit, running;
    LLVMBasicBlockRef running_block, terminate_block,
        current = LLVMGetInsertBlock(comp_ctx->builder);

    if (!check_terminate_and_suspend) {
        return true;
    }

    if (!(flags_addr = LLVMBuildInBoundsGEP2(comp_ctx->builder, OPQ_PTR_TYPE,
                                             func_ctx->exec_env, &offset, 1,
                                             "terminate_addr"))) {
        aot_set_last_error("llvm build in bounds gep failed");
        return false;
    }
    if (!(flags = LLVMBuildLoad2(comp_ctx->builder, I32_TYPE, flags_addr,
                                 "terminate_flags"))) {
        aot_set_last_error("llvm build load failed");
        return false;
    }
    /* Another thread sets the flag: always read it from memory. */
    LLVMSetVolatile(flags, true);
    if (!(terminate_bit = LLVMBuildAnd(comp_ctx->builder, flags, I32_ONE,
                                       "termination_flag"))
        || !(running = LLVMBuildICmp(comp_ctx->builder, LLVMIntEQ,
                                     terminate_bit, I32_ZERO,
                                     "flag_terminate"))) {
        aot_set_last_error("llvm build terminate flag test failed");
        return false;
    }

    if (!(running_block = LLVMAppendBasicBlockInContext(
              comp_ctx->context, func_ctx->func, "non_terminate"))
        || !(terminate_block = LLVMAppendBasicBlockInContext(
                 comp_ctx->context, func_ctx->func, "terminate"))) {
        aot_set_last_error("add LLVM basic block failed.");
        return false;
    }
    LLVMMoveBasicBlockAfter(running_block, current);
    LLVMMoveBasicBlockAfter(terminate_block, current);

    if (!LLVMBuildCondBr(comp_ctx->builder, running, running_block,
                         terminate_block)) {
        aot_set_last_error("llvm build cond br failed.");
        return false;
    }

    LLVMPositionBuilderAtEnd(comp_ctx->builder, terminate_block);
    if (!aot_build_zero_function_ret(comp_ctx, func_ctx,
                                     func_ctx->aot_func->func_type)) {
        return false;
    }

    LLVMPositionBuilderAtEnd(comp_ctx->builder, running_block);
    return true;
}

/*
 * Alias information for linear memory.
 *
 * In a function that calls or grows memory, WAMR loads linear memory's base and bounds from
 * the memory instance before every access, because LLVM must assume that each store to linear
 * memory could have changed them. It cannot: linear memory and the memory instance are
 * separate allocations, and the software bounds check before every access keeps it inside
 * linear memory. Type-based alias metadata (TBAA) with one type for each lets LLVM reuse the
 * loaded base and bounds across stores (measured: sort ~10 % faster, see
 * docs/aot.md). Everything else stays as WAMR emits it: untagged accesses and calls (memory.grow
 * is a call into the runtime) may still change anything, so base and bounds are loaded again
 * after them.
 *
 * What is tagged, found from WAMR's own records of the memory-instance fields (the AOTMemInfo
 * of each function), not from value names, before any optimisation:
 * - "memory instance": loads and stores whose address is one of those fields;
 * - "linear memory": loads and stores whose address is a chain of GEPs on a base loaded from
 *   the base-address field, i.e. WAMR's `maddr = mem_base + offset`, accessed after its
 *   bounds check. Anything else (bulk memory, atomics read-modify-write, globals, the exec
 *   env) stays untagged.
 */

/* The fields of a function's AOTMemInfo: in a function that cannot change memory WAMR keeps
 * the values loaded once at entry, otherwise the field addresses. */
#define MEM_INFO_FIELDS 8

static LLVMValueRef
field_address(LLVMValueRef recorded)
{
    if (recorded && LLVMIsALoadInst(recorded)) {
        return LLVMGetOperand(recorded, 0);
    }
    return recorded;
}

static LLVMValueRef
tbaa_access_tag(LLVMContextRef context, LLVMMetadataRef root, const char *type_name)
{
    LLVMMetadataRef offset_zero = LLVMValueAsMetadata(
        LLVMConstInt(LLVMInt64TypeInContext(context), 0, false));
    LLVMMetadataRef type_fields[3] = {
        LLVMMDStringInContext2(context, type_name, strlen(type_name)), root,
        offset_zero
    };
    LLVMMetadataRef type = LLVMMDNodeInContext2(context, type_fields, 3);
    LLVMMetadataRef tag_fields[3] = { type, type, offset_zero };
    return LLVMMetadataAsValue(context,
                               LLVMMDNodeInContext2(context, tag_fields, 3));
}

static bool
is_one_of(LLVMValueRef value, const LLVMValueRef *values, unsigned count)
{
    unsigned i;
    for (i = 0; i < count; i++) {
        if (values[i] && values[i] == value) {
            return true;
        }
    }
    return false;
}

/* Whether `address` is a GEP chain on a load of `base_field`. */
static bool
is_linear_memory_address(LLVMValueRef address, LLVMValueRef base_field)
{
    while (LLVMIsAGetElementPtrInst(address)) {
        address = LLVMGetOperand(address, 0);
    }
    return LLVMIsALoadInst(address) && LLVMGetOperand(address, 0) == base_field;
}

static void
tag_memory_accesses(AOTFuncContext *func_ctx, unsigned tbaa_kind,
                    LLVMValueRef linear_memory_tag,
                    LLVMValueRef memory_instance_tag)
{
    const AOTMemInfo *info = func_ctx->mem_info;
    LLVMBasicBlockRef block;
    LLVMValueRef instruction, address, base_field;

    if (!info || !info->mem_base_addr) {
        return; /* WAMR made none: the function does not access memory. */
    }
    LLVMValueRef fields[MEM_INFO_FIELDS] = {
        field_address(info->mem_base_addr),
        field_address(info->mem_data_size_addr),
        field_address(info->mem_cur_page_count_addr),
        field_address(info->mem_bound_check_1byte),
        field_address(info->mem_bound_check_2bytes),
        field_address(info->mem_bound_check_4bytes),
        field_address(info->mem_bound_check_8bytes),
        field_address(info->mem_bound_check_16bytes),
    };
    base_field = fields[0];
    for (block = LLVMGetFirstBasicBlock(func_ctx->func); block;
         block = LLVMGetNextBasicBlock(block)) {
        for (instruction = LLVMGetFirstInstruction(block); instruction;
             instruction = LLVMGetNextInstruction(instruction)) {
            if (LLVMIsALoadInst(instruction)) {
                address = LLVMGetOperand(instruction, 0);
            }
            else if (LLVMIsAStoreInst(instruction)) {
                address = LLVMGetOperand(instruction, 1);
            }
            else {
                continue;
            }
            if (is_one_of(address, fields, MEM_INFO_FIELDS)) {
                LLVMSetMetadata(instruction, tbaa_kind, memory_instance_tag);
            }
            else if (is_linear_memory_address(address, base_field)) {
                LLVMSetMetadata(instruction, tbaa_kind, linear_memory_tag);
            }
        }
    }
}

/* WAMR's pass pipeline (aot_llvm_extra.cpp), renamed by build.rs so that the definition below
 * runs in its place, between code generation and optimisation. */
void
xila_wamr_apply_llvm_passes(AOTCompContext *comp_ctx, LLVMModuleRef module);

void
aot_apply_llvm_new_pass_manager(AOTCompContext *comp_ctx, LLVMModuleRef module)
{
    LLVMContextRef context = LLVMGetModuleContext(module);
    const char *root_name = "xila-aot linear memory aliasing";
    LLVMMetadataRef root_fields[1] = { LLVMMDStringInContext2(
        context, root_name, strlen(root_name)) };
    LLVMMetadataRef root = LLVMMDNodeInContext2(context, root_fields, 1);
    LLVMValueRef linear_memory_tag =
        tbaa_access_tag(context, root, "linear memory");
    LLVMValueRef memory_instance_tag =
        tbaa_access_tag(context, root, "memory instance");
    unsigned tbaa_kind = LLVMGetMDKindIDInContext(context, "tbaa", 4);
    uint32 i;

    for (i = 0; i < comp_ctx->func_ctx_count; i++) {
        tag_memory_accesses(comp_ctx->func_ctxes[i], tbaa_kind,
                            linear_memory_tag, memory_instance_tag);
    }
    xila_wamr_apply_llvm_passes(comp_ctx, module);
}

static void
copy_error(char *error, uint32_t error_len, const char *message)
{
    if (error_len == 0) {
        return;
    }
    snprintf(error, error_len, "%s", message ? message : "unknown error");
}

/* Whether WAMR would run guest code while it instantiates the module: a start function, or
 * an export it calls by itself. The VM moves such code out of instantiation so its limits
 * apply (crates/vm-core hooks.rs), and the Rust side applies that rewrite before compiling
 * (hooks::prepare_for_aot), since native code cannot be rewritten at load time. This check
 * makes sure nothing is left, e.g. in a module the rewrite could not parse but WAMR loads. */
static const char *
instantiation_code(const WASMModule *module)
{
    uint32 i;

    if (module->start_function != (uint32)-1) {
        return "a start function";
    }
    for (i = 0; i < module->export_count; i++) {
        const WASMExport *export = &module->exports[i];
        if (export->kind == EXPORT_KIND_FUNC
            && (!strcmp(export->name, "__post_instantiate")
                || !strcmp(export->name, "__wasm_call_ctors"))) {
            return export->name;
        }
    }
    return NULL;
}

/* The --enable-builtin-intrinsics list of an execute-in-place build for a target other than
 * riscv32 (see xila_aot_compile). 64-bit and floating-point constants come from the constant
 * table; float arithmetic, comparisons and conversions go through the runtime's helpers (on
 * x86-64 LLVM loads SSE masks and conversion bounds from .rodata); 32-bit targets also call
 * helpers for 64-bit division and shifts (i686 would call libgcc's __udivdi3). */
static char *
xip_builtin_intrinsics(const char *target_arch)
{
    static char common[] = "i32.const,i64.const,f32.const,f64.const,fp.common,fpxint,"
                           "f32_demote_f64,f64_promote_f32,llvm.cttz.i32,llvm.cttz.i64";
    static char with_i64_helpers[] =
        "i32.const,i64.const,f32.const,f64.const,fp.common,fpxint,"
        "f32_demote_f64,f64_promote_f32,llvm.cttz.i32,llvm.cttz.i64,i64.common";

    return !strcmp(target_arch, "i386") ? with_i64_helpers : common;
}

static bool runtime_ready = false;

int
xila_aot_compile(const XilaAotRequest *request, XilaAotSink sink,
                 void *sink_context, char *error, uint32_t error_len)
{
    AOTCompOption option;
    wasm_module_t module = NULL;
    AOTCompData *comp_data = NULL;
    AOTCompContext *comp_ctx = NULL;
    uint8_t *aot = NULL;
    uint32_t aot_len = 0;
    char load_error[128];
    const char *hook;
    int status = XILA_AOT_COMPILE_FAILED;

    if (!runtime_ready) {
        RuntimeInitArgs init_args;
        memset(&init_args, 0, sizeof(init_args));
        init_args.mem_alloc_type = Alloc_With_System_Allocator;
        if (!wasm_runtime_full_init(&init_args)) {
            copy_error(error, error_len, "WAMR failed to initialise");
            return XILA_AOT_INIT_FAILED;
        }
        runtime_ready = true;
        xila_aot_show_wamr_messages(wamr_messages_shown);
    }

    if (!(module = wasm_runtime_load(request->wasm, request->wasm_len,
                                     load_error, sizeof(load_error)))) {
        copy_error(error, error_len, load_error);
        return XILA_AOT_LOAD_FAILED;
    }
    if ((hook = instantiation_code((const WASMModule *)module))) {
        snprintf(error, error_len,
                 "the module still has %s after the VM's rewrite, which WAMR would run "
                 "inside instantiation, where the VM's stop handle cannot reach it",
                 hook);
        status = XILA_AOT_INSTANTIATION_CODE;
        goto done;
    }

    memset(&option, 0, sizeof(option));
    option.target_arch = (char *)request->target_arch;
    option.target_abi = (char *)request->target_abi;
    option.target_cpu = (char *)request->cpu;
    /* WAMR refuses a feature list without a CPU; an empty list means "none". */
    option.cpu_features =
        request->cpu_features[0] ? (char *)request->cpu_features : NULL;
    option.opt_level = request->opt_level;
    option.size_level = request->size_level;
    option.output_format = AOT_FORMAT_FILE;
    /* The VM's runtime has no guard pages (WAMR_DISABLE_HW_BOUND_CHECK): every linear-memory
     * access and every native-stack growth is checked by the code itself. */
    option.bounds_checks = 1;
    /* segue_flags stays 0: the runtime does not keep the GS register on linear memory (see
     * vendor/cmake/x86_64-linux-gnu.cmake). */
    option.stack_bounds_checks = 1;
    option.stack_usage_file = request->stack_usage_path;
    option.enable_aux_stack_check = true;
    /* Stop checks (see check_suspend_flags above) are emitted only with the thread manager. */
    option.enable_thread_mgr = true;
    /* The runtime's features: bulk memory and reference types, not SIMD, GC or tail calls.
     * WAMR turns off those the module does not use. */
    option.enable_bulk_memory = true;
    option.enable_bulk_memory_opt = true;
    option.enable_ref_types = true;
    option.enable_call_indirect_overlong = true;
    option.enable_simd = false;
    option.enable_gc = false;
    option.enable_tail_call = false;
    option.aux_stack_frame_type = AOT_STACK_FRAME_OFF;
    if (request->xip) {
        /* What upstream's --xip means: calls through a table instead of relocated
         * addresses, and no calls into LLVM's runtime helpers the runtime would have to
         * relocate. */
        option.is_indirect_mode = true;
        option.disable_llvm_intrinsics = true;
        /* Which operations become calls to the runtime's helpers or loads from the constant
         * table, so that LLVM emits no constant pool and no call to its own helpers: either
         * would need relocations in the text, which a read-only buffer cannot take. WAMR's
         * defaults do this for riscv32 only. */
        if (strcmp(request->target_arch, "riscv32") != 0) {
            option.builtin_intrinsics = xip_builtin_intrinsics(request->target_arch);
        }
    }

    if (!(comp_data = aot_create_comp_data((WASMModule *)module, option.target_arch,
                                           false))
        || !(comp_ctx = aot_create_comp_context(comp_data, &option))
        || !aot_compile_wasm(comp_ctx)) {
        copy_error(error, error_len, aot_get_last_error());
        status = XILA_AOT_COMPILE_FAILED;
        goto done;
    }
    if (request->llvm_ir_path
        && !aot_emit_llvm_file(comp_ctx, request->llvm_ir_path)) {
        copy_error(error, error_len, aot_get_last_error());
        status = XILA_AOT_LLVM_IR_FAILED;
        goto done;
    }
    if (!(aot = aot_emit_aot_file_buf(comp_ctx, comp_data, &aot_len))) {
        copy_error(error, error_len, aot_get_last_error());
        status = XILA_AOT_EMIT_FAILED;
        goto done;
    }
    sink(sink_context, aot, aot_len);
    status = XILA_AOT_OK;

done:
    if (aot) {
        wasm_runtime_free(aot);
    }
    if (comp_ctx) {
        aot_destroy_comp_context(comp_ctx);
    }
    if (comp_data) {
        aot_destroy_comp_data(comp_data);
    }
    wasm_runtime_unload(module);
    return status;
}
