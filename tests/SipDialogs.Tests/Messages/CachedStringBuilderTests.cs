using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class CachedStringBuilderTests
{
    [Fact]
    public void ABuilderReleasedIsTheOneTheThreadGetsNext()
    {
        StringBuilder first = CachedStringBuilder.Acquire(16);
        first.Append("abc");
        Assert.Equal("abc", CachedStringBuilder.ToStringAndRelease(first));

        StringBuilder second = CachedStringBuilder.Acquire(16);

        Assert.Same(first, second);
        Assert.Equal(0, second.Length);
        _ = CachedStringBuilder.ToStringAndRelease(second);
    }

    [Fact]
    public void ANestedAcquireGetsABuilderOfItsOwn()
    {
        StringBuilder outer = CachedStringBuilder.Acquire(16).Append("outer");

        StringBuilder inner = CachedStringBuilder.Acquire(16).Append("inner");

        Assert.NotSame(outer, inner);
        Assert.Equal("inner", CachedStringBuilder.ToStringAndRelease(inner));
        Assert.Equal("outer", CachedStringBuilder.ToStringAndRelease(outer));
    }

    [Fact]
    public void ALargeBuilderIsNotKept()
    {
        StringBuilder large = CachedStringBuilder.Acquire(4096).Append('x', 4000);
        _ = CachedStringBuilder.ToStringAndRelease(large);

        Assert.NotSame(large, CachedStringBuilder.Acquire(16));
    }

    [Fact]
    public void HeadersWrittenOneInsideAnotherComeOutWhole()
    {
        Assert.True(NameAddress.TryParse("\"Alice\" <sip:alice@example.com;transport=tcp>;tag=1", out NameAddress? address, out _));

        Assert.Equal("Alice <sip:alice@example.com;transport=tcp>;tag=1", address.ToString());
        Assert.Equal("sip:alice@example.com;transport=tcp", address.Uri.ToString());
        Assert.Equal("Alice <sip:alice@example.com;transport=tcp>;tag=1", address.ToString());
    }
}
