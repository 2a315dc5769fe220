/*
 * Force-included (-include) into every WAMR C source by build.rs, never into driver.c.
 *
 * Makes WAMR's definition of check_suspend_flags (aot_emit_control.c) weak, so the linker
 * takes driver.c's instead: WAMR's emits the stop check only for shared memories, the VM
 * needs it for every module (see driver.c). A function declared weak before its definition
 * is also never inlined into its callers in the same file, so every call site, those inside
 * aot_emit_control.c included, goes through the symbol the linker resolves.
 */
#ifndef XILA_WEAK_STOP_CHECKS_H
#define XILA_WEAK_STOP_CHECKS_H

#include <stdbool.h>

struct AOTCompContext;
struct AOTFuncContext;

bool
check_suspend_flags(struct AOTCompContext *comp_ctx,
                    struct AOTFuncContext *func_ctx,
                    bool check_terminate_and_suspend) __attribute__((weak));

#endif
