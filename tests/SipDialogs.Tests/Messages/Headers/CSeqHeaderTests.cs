using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class CSeqHeaderTests
{
    [Fact]
    public void ParsesTheRfc3261CSeqExample()
    {
        // RFC 3261 §20.16
        Assert.True(CSeqHeader.TryParse("4711 INVITE", out CSeqHeader cseq, out _));

        Assert.Equal(4711u, cseq.Number);
        Assert.Equal("INVITE", cseq.Method);
        Assert.Same(SipMethods.Invite, cseq.Method);
    }

    [Fact]
    public void AcceptsAnyLinearWhiteSpaceBetweenNumberAndMethod()
    {
        Assert.True(CSeqHeader.TryParse("  1 \t  ACK ", out CSeqHeader cseq, out _));

        Assert.Equal(new CSeqHeader(1, "ACK"), cseq);
    }

    [Fact]
    public void KeepsAnExtensionMethodAsWritten()
    {
        // RFC 4475 §3.1.1.2 (intmeth) uses a method of token punctuation; methods are case-sensitive.
        Assert.True(CSeqHeader.TryParse("139122385 !interesting-Method0123456789_*+`.%indeed'~", out CSeqHeader cseq, out _));
        Assert.True(CSeqHeader.TryParse("2 invite", out CSeqHeader lower, out _));

        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", cseq.Method);
        Assert.Equal("invite", lower.Method);
    }

    [Fact]
    public void AcceptsTheLargestNumberBelowTwoToTheThirtyFirst()
    {
        Assert.True(CSeqHeader.TryParse("2147483647 BYE", out CSeqHeader cseq, out _));

        Assert.Equal(CSeqHeader.MaxNumber, cseq.Number);
    }

    [Theory]
    [InlineData("2147483648 BYE")]
    [InlineData("4294967296 BYE")]
    [InlineData("36893488147419103232 INVITE")] // RFC 4475 §3.1.2.4 (scalar02)
    public void RefusesANumberOfTwoToTheThirtyFirstOrMore(string value)
    {
        Assert.False(CSeqHeader.TryParse(value, out _, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.ValueOutOfRange, reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("INVITE")]
    [InlineData("4711")]
    [InlineData("4711 ")]
    [InlineData("4711INVITE")]
    [InlineData("-1 INVITE")]
    [InlineData("+1 INVITE")]
    [InlineData("1.5 INVITE")]
    [InlineData("4711 INV ITE")]
    [InlineData("4711 INVITE;x=y")]
    [InlineData("4711 \"INVITE\"")]
    public void RefusesMalformedValuesAsMalformedHeader(string value)
    {
        Assert.False(CSeqHeader.TryParse(value, out CSeqHeader cseq, out SipRejectReason reason));

        Assert.Equal(default, cseq);
        Assert.Equal(SipRejectReason.MalformedHeader, reason);
    }

    [Theory]
    [InlineData("4711 INVITE")]
    [InlineData("0 ACK")]
    [InlineData("2147483647 FOO.BAR")]
    public void RoundTripsThroughToString(string value)
    {
        Assert.True(CSeqHeader.TryParse(value, out CSeqHeader first, out _));
        Assert.True(CSeqHeader.TryParse(first.ToString(), out CSeqHeader second, out _));

        Assert.Equal(value, first.ToString());
        Assert.Equal(first, second);
    }

    [Fact]
    public void ConstructorRefusesANumberOfTwoToTheThirtyFirst()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CSeqHeader(1u << 31, "INVITE"));
    }

    [Fact]
    public void ConstructorRefusesAMethodThatIsNotAToken()
    {
        Assert.Throws<ArgumentException>(() => new CSeqHeader(1, "IN VITE"));
        Assert.Throws<ArgumentException>(() => new CSeqHeader(1, ""));
    }

    [Fact]
    public void DeconstructsIntoNumberAndMethod()
    {
        (uint number, string method) = new CSeqHeader(7, "BYE");

        Assert.Equal(7u, number);
        Assert.Equal("BYE", method);
    }
}
