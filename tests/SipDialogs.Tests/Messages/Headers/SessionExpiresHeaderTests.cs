using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SessionExpiresHeaderTests
{
    private static SessionExpiresHeader Parse(string value)
    {
        Assert.True(SessionExpiresHeader.TryParse(value, out SessionExpiresHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesTheRfc4028ExampleWithARefresher()
    {
        // RFC 4028 §4: Session-Expires: 4000;refresher=uac
        SessionExpiresHeader header = Parse("4000;refresher=uac");

        Assert.Equal(4000u, header.DeltaSeconds);
        Assert.Equal(SessionExpiresHeader.Uac, header.Refresher);
        Assert.Equal("4000;refresher=uac", header.ToString());
    }

    [Fact]
    public void ParsesAnIntervalWithoutARefresher()
    {
        // RFC 4028 §4, the compact form: x: 480
        SessionExpiresHeader header = Parse("480");

        Assert.Equal(480u, header.DeltaSeconds);
        Assert.Null(header.Refresher);
    }

    [Fact]
    public void ReadsTheRefresherIgnoringCaseAndKeepsOtherParameters()
    {
        SessionExpiresHeader header = Parse("1800 ; refresher = UAS ; foo=bar");

        Assert.Equal("uas", header.Refresher);
        Assert.Equal("bar", header.Parameters["foo"]);
        Assert.Equal("1800;refresher=UAS;foo=bar", header.ToString());
    }

    [Fact]
    public void BuildsASessionExpires()
    {
        Assert.Equal("1800;refresher=uas", new SessionExpiresHeader(1800, "UAS").ToString());
        Assert.Equal("90", new SessionExpiresHeader(90).ToString());
    }

    [Fact]
    public void ConstructorRefusesAnUnknownRefresher()
    {
        Assert.Throws<ArgumentException>(() => new SessionExpiresHeader(1800, "proxy"));
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("soon", SipRejectReason.MalformedHeader)]
    [InlineData("-1", SipRejectReason.MalformedHeader)]
    [InlineData("4000 uac", SipRejectReason.MalformedHeader)]
    [InlineData("4294967296", SipRejectReason.ValueOutOfRange)]
    [InlineData("4000;refresher=proxy", SipRejectReason.MalformedParameter)]
    [InlineData("4000;refresher", SipRejectReason.MalformedParameter)]
    [InlineData("4000;refresher=\"uac\"", SipRejectReason.MalformedParameter)]
    [InlineData("4000;", SipRejectReason.MalformedParameter)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(SessionExpiresHeader.TryParse(value, out SessionExpiresHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("4000;refresher=uac")]
    [InlineData("4294967295")]
    [InlineData("1800 ; refresher = UAS ; foo=\"bar baz\"")]
    public void RoundTripsThroughToString(string value)
    {
        SessionExpiresHeader first = Parse(value);
        SessionExpiresHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.DeltaSeconds, second.DeltaSeconds);
        Assert.Equal(first.Refresher, second.Refresher);
    }
}
