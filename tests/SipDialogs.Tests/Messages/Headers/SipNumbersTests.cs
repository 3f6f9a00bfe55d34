using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipNumbersTests
{
    [Theory]
    [InlineData("0", 0u)]
    [InlineData("3600", 3600u)]
    [InlineData(" 5 ", 5u)]
    [InlineData("0000000000000000000000000000000000001", 1u)]
    [InlineData("4294967295", uint.MaxValue)]
    public void ParsesDeltaSeconds(string value, uint expected)
    {
        Assert.True(SipNumbers.TryParseDeltaSeconds(value, out uint seconds, out _));

        Assert.Equal(expected, seconds);
    }

    [Fact]
    public void RefusesTheGoogolExpiresOfRfc4475()
    {
        // RFC 4475 §3.1.2.4 (scalar02): an Expires of 10^100.
        string googol = "1" + new string('0', 100);

        Assert.False(SipNumbers.TryParseDeltaSeconds(googol, out uint seconds, out SipRejectReason reason));

        Assert.Equal(0u, seconds);
        Assert.Equal(SipRejectReason.ValueOutOfRange, reason);
    }

    [Theory]
    [InlineData("4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("-1", SipRejectReason.MalformedHeader)]
    [InlineData("1 2", SipRejectReason.MalformedHeader)]
    [InlineData("3600;x", SipRejectReason.MalformedHeader)]
    [InlineData("Thu, 01 Dec 1994 16:00:00 GMT", SipRejectReason.MalformedHeader)]
    public void RefusesBadDeltaSeconds(string value, SipRejectReason expected)
    {
        Assert.False(SipNumbers.TryParseDeltaSeconds(value, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("70", 70)]
    [InlineData("255", 255)]
    public void ParsesMaxForwards(string value, int expected)
    {
        // RFC 3261 §20.22
        Assert.True(SipNumbers.TryParseMaxForwards(value, out int hops, out _));

        Assert.Equal(expected, hops);
    }

    [Theory]
    [InlineData("256", SipRejectReason.ValueOutOfRange)]
    [InlineData("300", SipRejectReason.ValueOutOfRange)] // RFC 4475 §3.1.2.4 (scalar02)
    [InlineData("99999999999999999999999", SipRejectReason.ValueOutOfRange)]
    [InlineData("seventy", SipRejectReason.MalformedHeader)]
    [InlineData("", SipRejectReason.MalformedHeader)]
    public void RefusesBadMaxForwards(string value, SipRejectReason expected)
    {
        Assert.False(SipNumbers.TryParseMaxForwards(value, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("349", 349)]
    [InlineData("2147483647", int.MaxValue)]
    public void ParsesContentLength(string value, int expected)
    {
        // RFC 3261 §20.14
        Assert.True(SipNumbers.TryParseContentLength(value, out int length, out _));

        Assert.Equal(expected, length);
    }

    [Theory]
    [InlineData("2147483648", SipRejectReason.ValueOutOfRange)]
    [InlineData("9999999999999999999999", SipRejectReason.ValueOutOfRange)]
    [InlineData("-5", SipRejectReason.MalformedContentLength)]
    [InlineData("5 5", SipRejectReason.MalformedContentLength)]
    [InlineData("", SipRejectReason.MalformedContentLength)]
    [InlineData("0x10", SipRejectReason.MalformedContentLength)]
    public void RefusesBadContentLength(string value, SipRejectReason expected)
    {
        Assert.False(SipNumbers.TryParseContentLength(value, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("1", 1u)]
    [InlineData("988789", 988789u)]
    [InlineData("4294967295", uint.MaxValue)]
    public void ParsesRSeq(string value, uint expected)
    {
        // RFC 3262 §7.1
        Assert.True(SipNumbers.TryParseRSeq(value, out uint number, out _));

        Assert.Equal(expected, number);
    }

    [Theory]
    [InlineData("0", SipRejectReason.ValueOutOfRange)]
    [InlineData("4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("one", SipRejectReason.MalformedHeader)]
    public void RefusesBadRSeq(string value, SipRejectReason expected)
    {
        Assert.False(SipNumbers.TryParseRSeq(value, out _, out SipRejectReason reason));

        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("3600", 3600u)]
    [InlineData("90 ; foo = bar", 90u)]
    [InlineData("1800;x", 1800u)]
    public void ParsesMinSEWithOrWithoutParameters(string value, uint expected)
    {
        // RFC 4028 §5: Min-SE = delta-seconds *(SEMI generic-param)
        Assert.True(SipNumbers.TryParseMinSE(value, out uint seconds, out _));

        Assert.Equal(expected, seconds);
    }

    [Theory]
    [InlineData("4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("90;", SipRejectReason.MalformedParameter)]
    [InlineData("90;x=\"open", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("ninety", SipRejectReason.MalformedHeader)]
    public void RefusesBadMinSE(string value, SipRejectReason expected)
    {
        Assert.False(SipNumbers.TryParseMinSE(value, out uint seconds, out SipRejectReason reason));

        Assert.Equal(0u, seconds);
        Assert.Equal(expected, reason);
    }
}
