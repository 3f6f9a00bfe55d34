using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipMethodsTests
{
    [Theory]
    [InlineData(SipMethods.Invite)]
    [InlineData(SipMethods.Ack)]
    [InlineData(SipMethods.Prack)]
    [InlineData(SipMethods.Update)]
    public void InternGivesTheSharedConstantForAKnownMethodFromCharsAndBytes(string method)
    {
        // Attribute arguments are not interned; the constants are, as literals.
        string constant = string.Intern(method);

        Assert.Same(constant, SipMethods.Intern(method.ToCharArray()));
        Assert.Same(constant, SipMethods.Intern(Encoding.ASCII.GetBytes(method)));
    }

    [Theory]
    [InlineData("invite")]
    [InlineData("INVITEX")]
    [InlineData("FOO")]
    public void InternKeepsOtherMethodsAsWritten(string method)
    {
        // RFC 3261 §7.1: methods are case-sensitive, so "invite" is an extension method, not INVITE.
        Assert.Equal(method, SipMethods.Intern(method.ToCharArray()));
        Assert.Equal(method, SipMethods.Intern(Encoding.ASCII.GetBytes(method)));
    }

    [Theory]
    [InlineData("INVITE", true)]
    [InlineData("X-Custom.1", true)]
    [InlineData("", false)]
    [InlineData("IN VITE", false)]
    [InlineData("INVITÉ", false)]
    public void RecognizesMethodTokens(string method, bool expected)
    {
        Assert.Equal(expected, SipMethods.IsValidMethod(method));
    }
}
