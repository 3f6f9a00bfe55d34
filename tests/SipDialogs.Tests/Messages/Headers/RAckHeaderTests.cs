using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class RAckHeaderTests
{
    [Fact]
    public void ParsesTheRfc3262Example()
    {
        // RFC 3262 §7.2
        Assert.True(RAckHeader.TryParse("776656 1 INVITE", out RAckHeader? rack, out _));

        Assert.Equal(776656u, rack.ResponseNumber);
        Assert.Equal(1u, rack.CSeqNumber);
        Assert.Same(SipMethods.Invite, rack.Method);
        Assert.Equal("776656 1 INVITE", rack.ToString());
    }

    [Fact]
    public void AcceptsAnyLinearWhiteSpaceBetweenTheParts()
    {
        Assert.True(RAckHeader.TryParse(" 4294967295 \t 2147483647   UPDATE ", out RAckHeader? rack, out _));

        Assert.Equal(uint.MaxValue, rack.ResponseNumber);
        Assert.Equal(CSeqHeader.MaxNumber, rack.CSeqNumber);
        Assert.Equal("UPDATE", rack.Method);
    }

    [Theory]
    [InlineData("0 1 INVITE")]
    [InlineData("4294967296 1 INVITE")]
    [InlineData("1 2147483648 INVITE")]
    [InlineData("1 36893488147419103232 INVITE")]
    public void RefusesNumbersOutOfRange(string value)
    {
        Assert.False(RAckHeader.TryParse(value, out RAckHeader? rack, out SipRejectReason reason));

        Assert.Null(rack);
        Assert.Equal(SipRejectReason.ValueOutOfRange, reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("776656")]
    [InlineData("776656 1")]
    [InlineData("776656 INVITE")]
    [InlineData("776656 1INVITE")]
    [InlineData("776656,1 INVITE")]
    [InlineData("776656 1 IN VITE")]
    [InlineData("a 1 INVITE")]
    public void RefusesMalformedValuesAsMalformedHeader(string value)
    {
        Assert.False(RAckHeader.TryParse(value, out _, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.MalformedHeader, reason);
    }

    [Fact]
    public void RoundTripsThroughToString()
    {
        var rack = new RAckHeader(988789, 314159, "INVITE");

        Assert.True(RAckHeader.TryParse(rack.ToString(), out RAckHeader? parsed, out _));

        Assert.Equal("988789 314159 INVITE", parsed.ToString());
        Assert.Equal(rack.ResponseNumber, parsed.ResponseNumber);
        Assert.Equal(rack.CSeqNumber, parsed.CSeqNumber);
        Assert.Equal(rack.Method, parsed.Method);
    }

    [Fact]
    public void ConstructorRefusesValuesOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RAckHeader(0, 1, "INVITE"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RAckHeader(1, 1u << 31, "INVITE"));
        Assert.Throws<ArgumentException>(() => new RAckHeader(1, 1, "IN VITE"));
    }
}
