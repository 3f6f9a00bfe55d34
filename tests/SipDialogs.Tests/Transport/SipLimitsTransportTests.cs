namespace SipDialogs.Tests.Transport;

public class SipLimitsTransportTests
{
    [Fact]
    public void TransportDefaultsAreValid()
    {
        var limits = new SipLimits();

        limits.Validate();
        Assert.Equal(10_000, limits.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.HeaderReadTimeout);
        Assert.Equal(1300, limits.UdpMaxRequestBytes);
        Assert.Equal(4 * 1024 * 1024, limits.UdpReceiveBufferBytes);
        Assert.Equal(1, limits.UdpReceiveLoops);
    }

    [Theory]
    [InlineData(nameof(SipLimits.MaxConnections))]
    [InlineData(nameof(SipLimits.HeaderReadTimeout))]
    [InlineData(nameof(SipLimits.ConnectionIdleTimeout))]
    [InlineData(nameof(SipLimits.UdpMaxRequestBytes))]
    [InlineData(nameof(SipLimits.UdpReceiveLoops))]
    [InlineData(nameof(SipLimits.UdpReceiveBufferBytes))]
    public void OutOfRangeTransportLimitIsRefusedNamingIt(string name)
    {
        var limits = new SipLimits();
        switch (name)
        {
            case nameof(SipLimits.MaxConnections):
                limits.MaxConnections = 0;
                break;
            case nameof(SipLimits.HeaderReadTimeout):
                limits.HeaderReadTimeout = TimeSpan.Zero;
                break;
            case nameof(SipLimits.ConnectionIdleTimeout):
                limits.ConnectionIdleTimeout = TimeSpan.FromDays(2);
                break;
            case nameof(SipLimits.UdpMaxRequestBytes):
                limits.UdpMaxRequestBytes = 100;
                break;
            case nameof(SipLimits.UdpReceiveLoops):
                limits.UdpReceiveLoops = 0;
                break;
            default:
                limits.UdpReceiveBufferBytes = -1;
                break;
        }

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(limits.Validate);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }
}
