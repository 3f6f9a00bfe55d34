using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class NameAddressTests
{
    private static NameAddress Parse(string text)
    {
        Assert.True(NameAddress.TryParse(text, out NameAddress? value, out SipRejectReason reason), $"{text}: {reason}");
        return value;
    }

    [Fact]
    public void ParsesQuotedDisplayNameUriAndTag()
    {
        NameAddress address = Parse("\"Alice Smith\" <sip:alice@atlanta.com>;tag=1928301774");

        Assert.Equal("Alice Smith", address.DisplayName);
        SipUri uri = Assert.IsType<SipUri>(address.Uri);
        Assert.Equal("alice", uri.User);
        Assert.Equal("1928301774", address.Tag);
        Assert.Equal(1, address.Parameters.Count);
    }

    [Fact]
    public void ParsesUriInBracketsWithoutDisplayName()
    {
        NameAddress address = Parse("<sip:bob@biloxi.com;transport=tcp>");

        Assert.Null(address.DisplayName);
        Assert.Equal("tcp", Assert.IsType<SipUri>(address.Uri).Transport);
        Assert.Equal(0, address.Parameters.Count);
    }

    [Fact]
    public void JoinsTokenDisplayNameWithSingleSpaces()
    {
        NameAddress address = Parse("Lee   M.\t Foote <sip:lee.foote@example.com>");

        Assert.Equal("Lee M. Foote", address.DisplayName);
    }

    [Fact]
    public void LwsdispAcceptsDisplayNameRightBeforeAngleBracket()
    {
        // RFC 4475 lwsdisp.
        NameAddress address = Parse("caller<sip:caller@example.com>;tag=323");

        Assert.Equal("caller", address.DisplayName);
        Assert.Equal("323", address.Tag);
    }

    [Fact]
    public void WsinvFromResolvesEscapesAndFoldedParameters()
    {
        // RFC 4475 wsinv, From header value after the colon.
        NameAddress address = Parse("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8");

        Assert.Equal("J Rosenberg \\\"", address.DisplayName);
        Assert.Equal("98asjd8", address.Tag);
    }

    [Fact]
    public void WsinvToTakesParametersAfterBareUriAsHeaderParameters()
    {
        // RFC 4475 wsinv, To header value.
        NameAddress address = Parse("\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");

        Assert.Null(address.DisplayName);
        SipUri uri = Assert.IsType<SipUri>(address.Uri);
        Assert.Equal("chair-dnrc.example.com", uri.Host);
        Assert.Equal(0, uri.Parameters.Count);
        Assert.Equal("1918181833n", address.Tag);
    }

    [Fact]
    public void WsinvContactParsesQuotedPairsAndSpacedParameters()
    {
        // RFC 4475 wsinv, Contact (m:) header value.
        NameAddress address = Parse("\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33");

        Assert.Equal("Quoted string \"\"", address.DisplayName);
        Assert.Equal("newvalue", address.Parameters["newparam"]);
        Assert.True(address.Parameters.TryGetValue("secondparam", out string? flag));
        Assert.Null(flag);
        Assert.Equal("0.33", address.Parameters["q"]);
        Assert.Equal("\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com>;newparam=newvalue;secondparam;q=0.33", address.ToString());
    }

    [Fact]
    public void Esc01FromUnescapesUserWithSpaces()
    {
        NameAddress address = Parse("<sip:I%20have%20spaces@example.net>;tag=938");

        Assert.Equal("I have spaces", Assert.IsType<SipUri>(address.Uri).User);
        Assert.Equal("938", address.Tag);
    }

    [Fact]
    public void Esc02DisplayNameKeepsPercentSignsLiterally()
    {
        NameAddress address = Parse("\"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23");

        Assert.Equal("%Z%45", address.DisplayName);
    }

    [Fact]
    public void BareUriParametersBelongToTheHeader()
    {
        // RFC 4475 cparam01 against cparam02.
        NameAddress bare = Parse("sip:+19725552222@gw1.example.net;unknownparam");
        NameAddress bracketed = Parse("<sip:+19725552222@gw1.example.net;unknownparam>");

        Assert.True(bare.Parameters.Contains("unknownparam"));
        Assert.Equal(0, Assert.IsType<SipUri>(bare.Uri).Parameters.Count);
        Assert.Equal(0, bracketed.Parameters.Count);
        Assert.True(Assert.IsType<SipUri>(bracketed.Uri).Parameters.Contains("unknownparam"));
    }

    [Fact]
    public void ParsesOtherUriKinds()
    {
        Assert.IsType<AbsoluteUri>(Parse("isbn:2983792873").Uri);
        Assert.IsType<AbsoluteUri>(Parse("<http://www.example.com>;tag=3234233").Uri);
        Assert.IsType<TelUri>(Parse("<tel:+1-201-555-0123>;tag=x").Uri);
    }

    [Fact]
    public void KeepsHeaderParameterValuesAsWritten()
    {
        NameAddress address = Parse("<sip:a@b.example>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\";received=[2001:db8::9];expires=3600");

        Assert.Equal("\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"", address.Parameters["+SIP.INSTANCE"]);
        Assert.Equal("[2001:db8::9]", address.Parameters["received"]);
        Assert.Equal("3600", address.Parameters["expires"]);
    }

    [Fact]
    public void EmptyQuotedDisplayNameIsEmptyNotAbsent()
    {
        NameAddress address = Parse("\"\" <sip:a@b.example>");

        Assert.Equal(string.Empty, address.DisplayName);
        Assert.Equal("\"\" <sip:a@b.example>", address.ToString());
    }

    [Fact]
    public void ToStringLeavesPlainTokenDisplayNamesUnquoted()
    {
        var address = new NameAddress(new SipUri("alice", "atlanta.com"), "Alice Smith") { Tag = "1928301774" };

        Assert.Equal("Alice Smith <sip:alice@atlanta.com>;tag=1928301774", address.ToString());
    }

    [Theory]
    [InlineData("Smith, Alice", "\"Smith, Alice\" <sip:alice@atlanta.com>")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\" <sip:alice@atlanta.com>")]
    [InlineData("back\\slash", "\"back\\\\slash\" <sip:alice@atlanta.com>")]
    [InlineData("two  spaces", "\"two  spaces\" <sip:alice@atlanta.com>")]
    [InlineData("Jürgen", "\"Jürgen\" <sip:alice@atlanta.com>")]
    public void ToStringQuotesDisplayNamesThatNeedIt(string displayName, string expected)
    {
        var address = new NameAddress(new SipUri("alice", "atlanta.com"), displayName);

        Assert.Equal(expected, address.ToString());
        Assert.Equal(displayName, Parse(expected).DisplayName);
    }

    [Fact]
    public void ToStringAlwaysBracketsTheUri()
    {
        NameAddress address = Parse("sip:alice@atlanta.com;tag=88sja8x");

        Assert.Equal("<sip:alice@atlanta.com>;tag=88sja8x", address.ToString());
    }

    [Fact]
    public void TagSetterReplacesAndRemoves()
    {
        NameAddress address = Parse("<sip:a@b.example>;tag=1;x=y");

        address.Tag = "2";
        Assert.Equal("<sip:a@b.example>;tag=2;x=y", address.ToString());
        address.Tag = null;
        Assert.Equal("<sip:a@b.example>;x=y", address.ToString());
    }

    [Fact]
    public void DisplayNameWithLineBreakIsRefused() =>
        Assert.Throws<ArgumentException>(() => new NameAddress(new SipUri("a", "b.example"), "a\r\nb"));

    [Theory]
    [InlineData("Bell, Alexander <sip:a.g.bell@bell-tel.com>;tag=43", SipRejectReason.InvalidCharacter)]
    [InlineData("\"Mr. J. User <sip:j.user@example.com>", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("\"Watson, Thomas\" < sip:t.watson@example.org >", SipRejectReason.MalformedUri)]
    [InlineData("<sip:t.watson@example.org >", SipRejectReason.InvalidCharacter)]
    [InlineData("sip:user@example.com?Route=%3Csip:sip.example.com%3E", SipRejectReason.MalformedUri)]
    [InlineData("sip:a,b@example.com", SipRejectReason.MalformedUri)]
    [InlineData("<sip:user@example.com", SipRejectReason.MalformedUri)]
    [InlineData("<sip:user@example.com>;", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:user@example.com>; ", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:user@example.com>;tag=", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:user@example.com>;tag=a b", SipRejectReason.MalformedParameter)]
    [InlineData("<sip:user@example.com>;tag=\"abc", SipRejectReason.UnterminatedQuotedString)]
    [InlineData("<sip:user@example.com> junk", SipRejectReason.InvalidCharacter)]
    [InlineData("<sip:user@exa mple.com>", SipRejectReason.InvalidCharacter)]
    [InlineData("<sip:user@example.com:99999>", SipRejectReason.InvalidPort)]
    [InlineData("<>", SipRejectReason.MalformedUri)]
    [InlineData("", SipRejectReason.MalformedUri)]
    [InlineData("   ", SipRejectReason.MalformedUri)]
    [InlineData("Bob", SipRejectReason.MalformedUri)]
    [InlineData("\"Bob\"", SipRejectReason.MalformedUri)]
    [InlineData("\"Bob\" sip:bob@example.com", SipRejectReason.InvalidCharacter)]
    [InlineData("Bob \"B\" <sip:bob@example.com>", SipRejectReason.InvalidCharacter)]
    [InlineData("\"Bob\u0001\" <sip:bob@example.com>", SipRejectReason.InvalidCharacter)]
    public void RejectsMalformedAddressWithItsReason(string text, SipRejectReason expected)
    {
        Assert.False(NameAddress.TryParse(text, out NameAddress? value, out SipRejectReason reason));
        Assert.Null(value);
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("\"Alice Smith\" <sip:alice@atlanta.com>;tag=1928301774")]
    [InlineData("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8")]
    [InlineData("sip:+19725552222@gw1.example.net;unknownparam")]
    [InlineData("Lee M. Foote <sips:lee.foote@[2001:db8::1]:5061;transport=tls?subject=x%20y>;expires=60;q=\"0.5\"")]
    [InlineData("<tel:7042;phone-context=example.com>")]
    public void ToStringParsesBackToTheSameAddress(string text)
    {
        NameAddress address = Parse(text);
        NameAddress again = Parse(address.ToString());

        Assert.Equal(address.DisplayName, again.DisplayName);
        Assert.Equal(address.Uri, again.Uri);
        Assert.Equal(address.Parameters.Count, again.Parameters.Count);
        for (int i = 0; i < address.Parameters.Count; i++)
        {
            Assert.Equal(address.Parameters[i], again.Parameters[i]);
        }

        Assert.Equal(address.ToString(), again.ToString());
    }

    [Theory]
    [InlineData("\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33")]
    [InlineData("Lee M. Foote <sips:lee.foote@[2001:db8::1]:5061;transport=tls?subject=x%20y>;expires=60")]
    [InlineData("sip:+19725552222@gw1.example.net;unknownparam=\"a;b\"")]
    public void EveryPrefixParsesWithoutThrowing(string text)
    {
        for (int length = 0; length <= text.Length; length++)
        {
            string prefix = text[..length];
            bool parsed = NameAddress.TryParse(prefix, out NameAddress? value, out SipRejectReason reason);
            Assert.Equal(parsed, value is not null);
            Assert.True(parsed || Enum.IsDefined(reason), prefix);
        }
    }

    [Fact]
    public void ParsesALineFoldInsideAQuotedDisplayName()
    {
        NameAddress address = Parse("\"Alice\r\n Smith\" <sip:alice@atlanta.com>");

        Assert.Equal("Alice Smith", address.DisplayName);
    }

    [Theory]
    [InlineData("<sip:alice@atlanta.com>\n;tag=1")]
    [InlineData("<sip:alice@atlanta.com>\r\n;tag=1")]
    [InlineData("Alice\rSmith <sip:alice@atlanta.com>")]
    [InlineData("<sip:alice@atlanta.com>;tag=1\r\n")]
    public void RefusesALineBreakThatIsNotAFold(string text)
    {
        // RFC 3261 §25.1: LWS = [*WSP CRLF] 1*WSP; a CR or LF outside a fold is no white space.
        Assert.False(NameAddress.TryParse(text, out _, out SipRejectReason reason));

        Assert.Equal(SipRejectReason.InvalidCharacter, reason);
    }
}
