/*
 * wt_pin.c — part of the SecantusDB WiredTiger shim: the shim (and so libwiredtiger, which it links)
 * stays mapped until the process ends.
 *
 * Deno closes a dynamic library (`dlclose`) when its handle is dropped, and it drops every handle
 * when a program ends on an uncaught error without stopping the server. WiredTiger's own threads
 * (eviction, log, sweep) and the shim's threads (the frame I/O loop, the thread pool) are still
 * running then; once the last handle goes, the loader unmaps their code under them and the process
 * dies of SIGSEGV instead of exiting with the error (seen: 1 in 4 runs of an embedding test that threw
 * after `startServer`). Marking the shim RTLD_NODELETE keeps it and its dependencies mapped; the
 * process exit ends the threads as it would for any program.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

__attribute__((constructor)) static void
sct_pin_library(void)
{
    Dl_info info;
    if (dladdr((void *)&sct_pin_library, &info) == 0 || info.dli_fname == NULL)
        return;
    /* RTLD_NOLOAD: only take a reference to the already loaded shim, with RTLD_NODELETE set. */
    (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
}
