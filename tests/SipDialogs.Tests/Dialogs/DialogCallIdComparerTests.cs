using SipDialogs.Dialogs;

namespace SipDialogs.Tests.Dialogs;

public class DialogCallIdComparerTests
{
    [Fact]
    public void IdentifiersOfOneCallIdAreEqualWhateverTheirTags()
    {
        DialogCallIdComparer comparer = DialogCallIdComparer.Instance;
        var a = new DialogId("call@example.com", "l1", "r1");
        var b = new DialogId("call@example.com", "l2", "r2");

        Assert.True(comparer.Equals(a, b));
        Assert.Equal(comparer.GetHashCode(a), comparer.GetHashCode(b));
        Assert.False(comparer.Equals(a, new DialogId("Call@example.com", "l1", "r1")));
    }

    [Fact]
    public void ACallIdSpanHashesAndComparesLikeTheIdentifierHoldingIt()
    {
        DialogCallIdComparer comparer = DialogCallIdComparer.Instance;
        var id = new DialogId("call@example.com", "l1", "r1");

        Assert.True(comparer.Equals("call@example.com"u8, id));
        Assert.False(comparer.Equals("call@example.co"u8, id));
        Assert.Equal(comparer.GetHashCode(id), comparer.GetHashCode("call@example.com"u8));
        Assert.Throws<NotSupportedException>(() => comparer.Create("call@example.com"u8));
    }
}
