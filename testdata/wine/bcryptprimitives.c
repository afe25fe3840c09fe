/*
 * bcryptprimitives.dll for Wine 8.0, which lacks it: Go's runtime (1.24
 * and later) asks it for ProcessPrng at start, and a Windows binary stops
 * there under Wine without it. Windows 10 and later have their own; this
 * one serves only to run crm's Windows tests under Wine (run-tests.sh).
 * ProcessPrng fills the buffer from RtlGenRandom, as Wine's advapi32 gives.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T n) {
	while (n > 0) {
		ULONG k = n > 0x10000000 ? 0x10000000 : (ULONG)n;
		if (!RtlGenRandom(data, k))
			return FALSE;
		data += k;
		n -= k;
	}
	return TRUE;
}
