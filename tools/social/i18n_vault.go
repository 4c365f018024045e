package social

// The texts of the passphrase, unlock and wipe pages (vaultpage.go),
// added to the catalogue.
func init() {
	for k, v := range map[string][2]string{
		"passphrase.legend": {"A passphrase for this device", "عبارة مرور لهذا الجهاز"},
		"passphrase.help": {"It locks your identity and everything hams keeps on this device, so that whoever takes the device cannot read them; you enter it once each time hams social starts. Use at least %d characters; a few unrelated words are best: whoever takes the device can try guess after guess, and each extra word makes that far slower.",
			"تقفل هويتك وكل ما يحفظه همس على هذا الجهاز، فلا يستطيع من يأخذ الجهاز قراءته؛ وتُدخلها مرة واحدة كلما بدأ تشغيل hams social. اجعلها %d أحرف على الأقل، والأفضل بضع كلمات لا رابط بينها: فمن يأخذ الجهاز يستطيع أن يجرّب تخمينًا بعد تخمين، وكل كلمة إضافية تُبطئه كثيرًا."},
		"passphrase.lost": {"Nobody can recover it, not even hams: if you forget it, what this device keeps is lost. Export your identity to keep a copy.",
			"لا أحد يستطيع استعادتها، ولا همس نفسه: إن نسيتها ضاع ما يحفظه هذا الجهاز. صدّر هويتك لتحتفظ بنسخة منها."},
		"form.passphrase":       {"Passphrase", "عبارة المرور"},
		"form.passphrase2":      {"The same passphrase again", "عبارة المرور نفسها مرة أخرى"},
		"import.passphrase_new": {"The file's passphrase (it becomes this device's passphrase too)", "عبارة مرور الملف (وتصبح عبارة مرور هذا الجهاز أيضًا)"},
		"import.passphrase":     {"The file's passphrase", "عبارة مرور الملف"},
		"export.passphrase":     {"Your passphrase (the file is locked with it)", "عبارة مرورك (يُقفل الملف بها)"},
		"identity.warn_sealed": {"The file holds your secret key, locked with your passphrase: whoever has both the file and the passphrase can post as you. Keep it safe, and import it on your other device with the same passphrase.",
			"يحوي الملف مفتاحك السرّي مقفلًا بعبارة مرورك: من يملك الملف والعبارة معًا يستطيع النشر باسمك. احفظه في مكان آمن، واستورده على جهازك الآخر بعبارة المرور نفسها."},
		"unlock.title": {"Unlock hams", "افتح قفل همس"},
		"unlock.text": {"Your identity and everything hams keeps on this device are locked with your passphrase. Enter it to open them.",
			"هويتك وكل ما يحفظه همس على هذا الجهاز مقفلة بعبارة مرورك. أدخلها لفتحها."},
		"unlock.button": {"Unlock", "افتح"},
		"unlock.forgot": {"Forgot it? Nobody can recover it. You can wipe this device and start again, then import an identity you exported:",
			"نسيتها؟ لا أحد يستطيع استعادتها. يمكنك مسح هذا الجهاز والبدء من جديد، ثم استيراد هوية صدّرتها من قبل:"},
		"upgrade.title": {"Choose a passphrase", "اختر عبارة مرور"},
		"upgrade.text": {"hams social now locks your identity and everything it keeps on this device with a passphrase, so that whoever takes the device cannot read them. Choose one: everything already here is locked with it at once.",
			"أصبح hams social يقفل هويتك وكل ما يحفظه على هذا الجهاز بعبارة مرور، فلا يستطيع من يأخذ الجهاز قراءته. اختر عبارة: يُقفل بها فورًا كل ما هو موجود هنا."},
		"upgrade.button": {"Lock with this passphrase", "أقفل بهذه العبارة"},
		"wipe.title":     {"Wipe this device", "امسح هذا الجهاز"},
		"wipe.text": {"Removes your identity and everything hams social keeps on this device at once: your posts, the people you follow and their posts, your notifications and messages, and the images. It cannot be undone; to use this identity again later, export it first.",
			"يزيل هويتك وكل ما يحفظه hams social على هذا الجهاز دفعة واحدة: منشوراتك، ومن تتابعهم ومنشوراتهم، وإشعاراتك ورسائلك، والصور. لا يمكن التراجع عن ذلك؛ وإن أردت استعمال هذه الهوية لاحقًا فصدّرها أولًا."},
		"wipe.network": {"What you have already published stays on the network: others may still have your posts. Wiping clears this device only.",
			"يبقى ما نشرته على الشبكة: قد تبقى منشوراتك لدى الآخرين. المسح ينظّف هذا الجهاز فقط."},
		"wipe.open":    {"Wipe this device…", "امسح هذا الجهاز…"},
		"wipe.sure":    {"Are you sure? Everything above is removed at once, without another question.", "هل أنت متأكد؟ يُزال كل ما سبق دفعة واحدة، دون سؤال آخر."},
		"wipe.confirm": {"Yes, wipe everything now", "نعم، امسح كل شيء الآن"},
		"wipe.keep":    {"No, keep everything", "لا، أبقِ كل شيء"},

		"passphrase.change_title": {"Change the passphrase", "غيّر عبارة المرور"},
		"passphrase.change_text": {"Everything on this device stays as it is; only the passphrase that opens it changes. Identity files you exported before keep the passphrase they were made with.",
			"يبقى كل ما على هذا الجهاز كما هو؛ تتغيّر فقط عبارة المرور التي تفتحه. أما ملفات الهوية التي صدّرتها من قبل فتبقى بعبارة المرور التي صُدّرت بها."},
		"form.passphrase_old":      {"Current passphrase", "عبارة المرور الحالية"},
		"form.passphrase_new":      {"New passphrase", "عبارة المرور الجديدة"},
		"form.passphrase_new2":     {"The new passphrase again", "عبارة المرور الجديدة مرة أخرى"},
		"passphrase.change_button": {"Change the passphrase", "غيّر عبارة المرور"},

		"err.passphrase_short":    {"The passphrase is too short: at least %d characters.", "عبارة المرور قصيرة جدًا: %d أحرف على الأقل."},
		"err.passphrase_long":     {"The passphrase is too long.", "عبارة المرور طويلة جدًا."},
		"err.passphrase_mismatch": {"The two passphrases are not the same; type them again.", "العبارتان غير متطابقتين؛ اكتبهما من جديد."},
		"err.passphrase_wrong":    {"That passphrase is not right.", "عبارة المرور هذه غير صحيحة."},
		"err.vault_damaged": {"The locked files on this device are damaged and cannot be opened. The window where hams social runs says more.",
			"الملفات المقفلة على هذا الجهاز تالفة ولا يمكن فتحها. النافذة التي يعمل فيها hams social تذكر المزيد."},
		"err.import_passphrase": {"That passphrase does not open this file: use the passphrase of the device that exported it.",
			"هذه العبارة لا تفتح الملف: استعمل عبارة مرور الجهاز الذي صدّره."},
	} {
		if _, dup := catalog[k]; dup {
			panic("social: i18n_vault.go: duplicate catalogue key " + k)
		}
		catalog[k] = v
	}
}
