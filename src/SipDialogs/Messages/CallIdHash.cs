using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SipDialogs.Messages;

/// <summary>
/// The one hash of a Call-ID's bytes (compared byte for byte, RFC 3261 §20.8) that picks its shard and its slot in
/// that shard's dialog table: 64 bits, keyed by secrets drawn once per process from the secure generator, so a peer
/// cannot choose Call-IDs that pile onto one shard or one run of slots.
/// </summary>
/// <remarks>
/// Computed once per identifier and kept with it (a <c>DialogId</c> carries it), the full 64 bits double as the
/// fingerprint a table compares before it reads any stored bytes. The mixing step is a 64 × 64 → 128-bit multiply
/// folded to 64 bits, eight input bytes per operand: a 40-byte Call-ID costs three multiplies. Only the process's
/// own tables use it; it never leaves the process, so it need not be stable across runs or machines.
/// </remarks>
internal static class CallIdHash
{
    // Odd, so that no key is a weak multiplier; unknown outside the process, so no input zeroes a product on purpose.
    private static readonly ulong s_seed = NewKey();
    private static readonly ulong s_key0 = NewKey();
    private static readonly ulong s_key1 = NewKey();

    /// <summary>The hash of <paramref name="callId"/>'s bytes.</summary>
    /// <param name="callId">The Call-ID as on the wire.</param>
    /// <returns>64 bits; use the high ones for the shard and the low ones for a slot.</returns>
    public static ulong Of(ReadOnlySpan<byte> callId)
    {
        int length = callId.Length;
        ulong state = s_seed;
        ulong a;
        ulong b;
        if (length > 16)
        {
            ref byte start = ref MemoryMarshal.GetReference(callId);
            int offset = 0;
            do
            {
                state = Mix(Read64(ref start, offset) ^ s_key1, Read64(ref start, offset + 8) ^ state);
                offset += 16;
            }
            while (length - offset > 16);

            // The last 16 bytes, overlapping bytes already mixed when the length is not a multiple of 16.
            a = Read64(ref start, length - 16);
            b = Read64(ref start, length - 8);
        }
        else if (length >= 8)
        {
            a = BinaryPrimitives.ReadUInt64LittleEndian(callId);
            b = BinaryPrimitives.ReadUInt64LittleEndian(callId[(length - 8)..]);
        }
        else if (length >= 4)
        {
            a = BinaryPrimitives.ReadUInt32LittleEndian(callId);
            b = BinaryPrimitives.ReadUInt32LittleEndian(callId[(length - 4)..]);
        }
        else if (length > 0)
        {
            a = ((ulong)callId[0] << 16) | ((ulong)callId[length >> 1] << 8) | callId[length - 1];
            b = 0;
        }
        else
        {
            a = 0;
            b = 0;
        }

        ulong high = Math.BigMul(a ^ s_key1, b ^ state, out ulong low);
        return Mix(low ^ s_key0 ^ (ulong)length, high ^ s_key1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return high ^ low;
    }

    // Native byte order: the hash stays inside the process. The caller keeps offset + 8 within the span.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read64(ref byte start, int offset) =>
        Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));

    private static ulong NewKey()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes) | 1;
    }
}
