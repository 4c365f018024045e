package social

// catalogA11y holds the texts that only screen readers, keyboards and
// scripts meet: the skip link, labels and the live announcements.
var catalogA11y = map[string][2]string{
	"skip.main":        {"Skip to the main content", "انتقل إلى المحتوى الرئيسي"},
	"copy.button":      {"Copy", "انسخ"},
	"copy.done":        {"Copied", "نُسخ"},
	"live.new_posts":   {"New posts: %d", "منشورات جديدة: %d"},
	"post.reply_to":    {"Reply to %s's post", "ردّ على منشور %s"},
	"post.likes_label": {"Likes: %d", "عدد الإعجابات: %d"},
	"timeline.label":   {"Posts", "المنشورات"},
	"timeline.pages":   {"More posts", "مزيد من المنشورات"},
	"nav.label":        {"Menu", "القائمة"},
}

func init() { addTexts(catalogA11y) }
