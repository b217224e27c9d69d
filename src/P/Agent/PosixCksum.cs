namespace P.Agent;

/// <summary>The CRC of POSIX `cksum`: CRC-32 (0x04C11DB7, MSB first) over the data, then its length.</summary>
internal static class PosixCksum
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0;
        foreach (var b in data)
        {
            crc = (crc << 8) ^ Table[(crc >> 24) ^ b];
        }
        for (var length = (ulong)data.Length; length != 0; length >>= 8)
        {
            crc = (crc << 8) ^ Table[(crc >> 24) ^ (byte)length];
        }
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            table[i] = c;
        }
        return table;
    }
}
