// A stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks and the
// Go 1.26 runtime loads for ProcessPrng: it forwards to RtlGenRandom
// (SystemFunction036 in advapi32). Used only by `make windows-smoke`, to run
// the Windows build under Wine (see ../shared/notes/windows.md).
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
