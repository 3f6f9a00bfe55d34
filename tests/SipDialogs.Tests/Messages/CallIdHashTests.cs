using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class CallIdHashTests
{
    [Fact]
    public void EqualBytesHashAlikeWhereverTheyLie()
    {
        byte[] callId = Encoding.ASCII.GetBytes("a84b4c76e66710@pc33.atlanta.example.com");
        byte[] framed = [.. "xx"u8, .. callId, .. "yy"u8];

        Assert.Equal(CallIdHash.Of(callId), CallIdHash.Of(framed.AsSpan(2, callId.Length)));
        Assert.Equal(CallIdHash.Of(callId), CallIdHash.Of(Encoding.ASCII.GetBytes("a84b4c76e66710@pc33.atlanta.example.com")));
    }

    [Fact]
    public void EveryLengthReadsEveryByte()
    {
        // Each length from 0 to 80 (each branch of the hash), each byte changed in turn: no change goes unseen.
        for (int length = 0; length <= 80; length++)
        {
            byte[] callId = new byte[length];
            for (int i = 0; i < length; i++)
            {
                callId[i] = (byte)('a' + (i % 26));
            }

            ulong original = CallIdHash.Of(callId);
            for (int i = 0; i < length; i++)
            {
                callId[i] ^= 0x20;
                Assert.NotEqual(original, CallIdHash.Of(callId));
                callId[i] ^= 0x20;
            }

            Assert.Equal(original, CallIdHash.Of(callId));
        }
    }

    [Fact]
    public void APrefixAndThePrefixPaddedWithZeroBytesDiffer()
    {
        for (int length = 0; length < 40; length++)
        {
            byte[] padded = new byte[length + 1];
            Encoding.ASCII.GetBytes(new string('c', length), padded);

            Assert.NotEqual(CallIdHash.Of(padded.AsSpan(0, length)), CallIdHash.Of(padded));
        }
    }

    [Fact]
    public void SequentialCallIdsGiveDistinctFullHashesAndEvenLowBits()
    {
        // The low bits pick a slot in a dialog table; the full 64 bits are its fingerprint.
        const int Count = 100_000;
        var seen = new HashSet<ulong>();
        int[] slots = new int[64];
        byte[] callId = Encoding.ASCII.GetBytes("call-000000@client.atlanta.example.com");
        for (int i = 0; i < Count; i++)
        {
            Encoding.ASCII.GetBytes(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), callId.AsSpan(5));
            ulong hash = CallIdHash.Of(callId);
            Assert.True(seen.Add(hash));
            slots[(int)(hash & 63)]++;
        }

        foreach (int count in slots)
        {
            Assert.InRange(count, Count / 64 * 85 / 100, Count / 64 * 115 / 100);
        }
    }
}
