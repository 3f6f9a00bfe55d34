using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ReasonHeaderTests
{
    private static ReasonHeader Parse(string value)
    {
        Assert.True(ReasonHeader.TryParse(value, out ReasonHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheSipExampleOfRfc3326()
    {
        // RFC 3326 §2: Reason: SIP ;cause=580 ;text="Precondition Failure"
        ReasonHeader header = Parse("SIP ;cause=580 ;text=\"Precondition Failure\"");

        Assert.Same(ReasonHeader.SipProtocol, header.Protocol);
        Assert.Equal(580, header.Cause);
        Assert.Equal("Precondition Failure", header.Text);
        Assert.Equal("SIP;cause=580;text=\"Precondition Failure\"", header.ToString());
    }

    [Fact]
    public void ParsesTheQ850ExampleOfRfc3326()
    {
        // RFC 3326 §2: Reason: Q.850 ;cause=16 ;text="Terminated"
        ReasonHeader header = Parse("Q.850 ;cause=16 ;text=\"Terminated\"");

        Assert.Equal(ReasonHeader.Q850Protocol, header.Protocol);
        Assert.Equal(16, header.Cause);
        Assert.Equal("Terminated", header.Text);
    }

    [Fact]
    public void UnescapesTheText()
    {
        ReasonHeader header = Parse("SIP;cause=200;text=\"Call completed \\\"elsewhere\\\"\"");

        Assert.Equal("Call completed \"elsewhere\"", header.Text);
    }

    [Fact]
    public void AcceptsAProtocolAloneAndAnExtensionParameter()
    {
        ReasonHeader header = Parse("preemption;cause=1;text=\"UA Preemption\";foo=bar");
        ReasonHeader bare = Parse("SIP");

        Assert.Equal("preemption", header.Protocol);
        Assert.Equal("bar", header.Parameters["foo"]);
        Assert.Null(bare.Cause);
        Assert.Null(bare.Text);
    }

    [Fact]
    public void AcceptsATextWrittenAsAToken()
    {
        ReasonHeader header = Parse("Q.850;cause=16;text=Terminated");

        Assert.Equal("Terminated", header.Text);
    }

    [Fact]
    public void BuildsAReasonWithAQuotedText()
    {
        var header = new ReasonHeader(ReasonHeader.SipProtocol, 200, "Call completed \"elsewhere\"");

        Assert.Equal("SIP;cause=200;text=\"Call completed \\\"elsewhere\\\"\"", header.ToString());
        Assert.Equal("Call completed \"elsewhere\"", header.Text);
    }

    [Fact]
    public void ConstructorRefusesBadParts()
    {
        Assert.Throws<ArgumentException>(() => new ReasonHeader("Q 850"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReasonHeader("SIP", -1));
        Assert.Throws<ArgumentException>(() => new ReasonHeader("SIP", 1, "two\r\nlines"));
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData(";cause=16", SipRejectReason.MalformedHeader)]
    [InlineData("Q.850 cause=16", SipRejectReason.MalformedHeader)]
    [InlineData("Q.850;cause=2147483648", SipRejectReason.ValueOutOfRange)]
    [InlineData("Q.850;cause=sixteen", SipRejectReason.MalformedParameter)]
    [InlineData("Q.850;cause", SipRejectReason.MalformedParameter)]
    [InlineData("Q.850;text", SipRejectReason.MalformedParameter)]
    [InlineData("Q.850;text=[::1]", SipRejectReason.MalformedParameter)]
    [InlineData("Q.850;text=\"Terminated", SipRejectReason.UnterminatedQuotedString)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ReasonHeader.TryParse(value, out ReasonHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("SIP ;cause=580 ;text=\"Precondition Failure\"")]
    [InlineData("Q.850;cause=16;text=Terminated")]
    [InlineData("SIP;text=\"a \\\\ b\"")]
    public void RoundTripsThroughToString(string value)
    {
        ReasonHeader first = Parse(value);
        ReasonHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Cause, second.Cause);
    }
}
