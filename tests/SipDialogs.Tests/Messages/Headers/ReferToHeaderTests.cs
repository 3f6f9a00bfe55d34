using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ReferToHeaderTests
{
    private static ReferToHeader Parse(string value)
    {
        Assert.True(ReferToHeader.TryParse(value, out ReferToHeader? header, out SipRejectReason reason), $"{value}: {reason}");
        return header;
    }

    [Fact]
    public void ParsesABareSipUri()
    {
        // RFC 3515 §2.1
        ReferToHeader header = Parse("sip:alice@atlanta.example.com");

        SipUri uri = Assert.IsType<SipUri>(header.Address.Uri);
        Assert.Equal("alice", uri.User);
        Assert.Null(header.EmbeddedReplaces);
        Assert.Equal("<sip:alice@atlanta.example.com>", header.ToString());
    }

    [Fact]
    public void ReadsTheEmbeddedReplacesUnescaped()
    {
        // RFC 3515 §2.1 / RFC 3891 §3: attended transfer.
        ReferToHeader header = Parse("<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>");

        Assert.Equal("12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994", header.EmbeddedReplaces);
        Assert.True(header.TryGetReplaces(out ReplacesHeader? replaces, out _));
        Assert.Equal("12345@192.168.118.3", replaces.CallId);
        Assert.Equal("12345", replaces.ToTag);
        Assert.Equal("5FFE-3994", replaces.FromTag);
    }

    [Fact]
    public void FindsReplacesAmongOtherEmbeddedHeadersIgnoringCase()
    {
        ReferToHeader header = Parse("<sip:bob@biloxi.example.net?Accept-Contact=sip:bobsdesk.biloxi.example.net&replaces=1%3Bto-tag%3D2%3Bfrom-tag%3D3>");

        Assert.True(header.TryGetReplaces(out ReplacesHeader? replaces, out _));
        Assert.Equal("1", replaces.CallId);
    }

    [Fact]
    public void ReportsAMissingReplaces()
    {
        ReferToHeader header = Parse("<sips:4889445d8kjtk3@atlanta.example.com;gr=723jd2d>");

        Assert.False(header.TryGetReplaces(out ReplacesHeader? replaces, out SipRejectReason reason));
        Assert.Null(replaces);
        Assert.Equal(SipRejectReason.MissingHeader, reason);
    }

    [Fact]
    public void ReportsAnEmbeddedReplacesWithoutTags()
    {
        ReferToHeader header = Parse("<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3>");

        Assert.False(header.TryGetReplaces(out _, out SipRejectReason reason));
        Assert.Equal(SipRejectReason.MalformedHeader, reason);
    }

    [Fact]
    public void ANonSipUriHasNoEmbeddedReplaces()
    {
        ReferToHeader header = Parse("<mailto:bob@biloxi.example.net>;method=INVITE");

        Assert.Null(header.EmbeddedReplaces);
        Assert.Equal("INVITE", header.Address.Parameters["method"]);
    }

    [Theory]
    [InlineData("sip:dave@denver.example.org?Replaces=1%3Bto-tag%3D2%3Bfrom-tag%3D3", SipRejectReason.MalformedUri)]
    [InlineData("<sip:dave@denver.example.org", SipRejectReason.MalformedUri)]
    [InlineData("", SipRejectReason.MalformedUri)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ReferToHeader.TryParse(value, out ReferToHeader? header, out SipRejectReason reason));

        Assert.Null(header);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("sip:alice@atlanta.example.com")]
    [InlineData("<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>")]
    [InlineData("\"Bob\" <sips:bob@biloxi.example.net>;x=y")]
    public void RoundTripsThroughToString(string value)
    {
        ReferToHeader first = Parse(value);
        ReferToHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(first.EmbeddedReplaces, second.EmbeddedReplaces);
    }

    [Fact]
    public void BuildsAnAttendedTransferTarget()
    {
        var uri = new SipUri("dave", "denver.example.org");
        uri.Headers.Set("Replaces", new ReplacesHeader("12345@192.168.118.3", "12345", "5FFE-3994").ToString());

        var header = new ReferToHeader(new NameAddress(uri));

        Assert.Equal("<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>", header.ToString());
        Assert.True(header.TryGetReplaces(out ReplacesHeader? replaces, out _));
        Assert.Equal("5FFE-3994", replaces.FromTag);
    }
}
