/*
 * A test-only stand-in for bcryptprimitives.dll, which Wine 8.0 lacks and
 * every Go >= 1.22 program loads at start for ProcessPrng. Built by the
 * Wine tests (windows_test.go) into their own throwaway WINEPREFIX, never
 * shipped: real Windows 10/11 has the DLL.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
