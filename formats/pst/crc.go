package pst

import "hash/crc32"

// crc is the CRC of [MS-PST] §5.3 (ComputeCRC with dwCRC 0): the CRC-32 of
// IEEE 802.3 with the reflected polynomial 0xEDB88320, started at 0 and not
// inverted at the end. hash/crc32 starts at and finishes with ^0, so the
// inversions are undone around it.
func crc(b []byte) uint32 {
	return ^crc32.Update(^uint32(0), crc32.IEEETable, b)
}
