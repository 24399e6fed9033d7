#include "ui/inspector/sample_text_view.h"

#include <QTextBlockFormat>
#include <QTextCursor>

namespace gateau::ui {

namespace {

void section(QTextCursor& cur, const QString& label, const QString& text, const QColor& bg, const QColor& accent) {
    QTextBlockFormat head;
    head.setTopMargin(8);
    head.setBackground(accent);
    QTextCharFormat headChar;
    headChar.setFontWeight(QFont::Bold);
    headChar.setForeground(Qt::white);
    cur.insertBlock(head, headChar);
    cur.insertText(QStringLiteral(" ") + label);
    QTextBlockFormat body;
    body.setBackground(bg);
    body.setLeftMargin(6);
    body.setRightMargin(6);
    QTextCharFormat bodyChar;
    bodyChar.setForeground(QColor(0x20, 0x20, 0x20));
    cur.insertBlock(body, bodyChar);
    cur.insertText(text);
}

QString fromView(std::string_view s) { return QString::fromUtf8(s.data(), qsizetype(s.size())); }

}  // namespace

SampleTextView::SampleTextView(QWidget* parent) : QTextBrowser(parent) {
    setOpenLinks(false);
    setReadOnly(true);
    document()->setDocumentMargin(8);
}

void SampleTextView::showConversation(const datasets::Conversation& conv, const QString& title) {
    clear();
    QTextCursor cur(document());
    QTextCharFormat titleChar;
    titleChar.setFontWeight(QFont::Bold);
    titleChar.setFontPointSize(font().pointSizeF() * 1.15);
    cur.setCharFormat(titleChar);
    cur.insertText(title);

    const int response = conv.responseIndex();
    int lastUser = -1;
    for (int i = response - 1; i >= 0 && lastUser < 0; --i)
        if (conv.turns[size_t(i)].role == datasets::Role::User) lastUser = i;
    const QColor grey(0xF2, 0xF2, 0xF2), yellow(0xFF, 0xF6, 0xD5), green(0xE3, 0xF4, 0xE1), blue(0xE6, 0xEE, 0xFA);
    const QColor darkGrey(0x70, 0x70, 0x70), amber(0xC8, 0x8A, 0x00), darkGreen(0x2E, 0x7D, 0x32), darkBlue(0x3A, 0x5F, 0xA0);
    // The instruction and response follow a context of up to 64k tokens: repeat them on top.
    if (response >= 0) {
        QTextCharFormat label;
        label.setFontWeight(QFont::Bold);
        auto line = [&](const QString& name, const std::string& text, const QColor& bg) {
            QTextBlockFormat f;
            f.setTopMargin(4);
            f.setBackground(bg);
            cur.insertBlock(f);
            cur.insertText(name, label);
            QString t = QString::fromStdString(text).simplified();
            if (t.size() > 400) t = t.left(400) + QChar(0x2026);
            cur.insertText(t, QTextCharFormat());
        };
        line(tr("Instruction: "), conv.instructionText(), yellow);
        line(tr("Response: "), conv.turns[size_t(response)].content, green);
    }
    for (int i = 0; i < int(conv.turns.size()); ++i) {
        const auto& t = conv.turns[size_t(i)];
        if (i == lastUser) {
            const auto [context, instruction] = datasets::splitInstruction(t.content);
            if (!context.empty()) section(cur, tr("CONTEXT (user)"), fromView(context), grey, darkGrey);
            section(cur, tr("INSTRUCTION (user)"), fromView(instruction), yellow, amber);
        } else if (i == response) {
            section(cur, tr("RESPONSE (assistant, scored)"), QString::fromStdString(t.content), green, darkGreen);
        } else {
            const QString role = QString::fromLatin1(datasets::roleName(t.role)).toUpper();
            section(cur, i < lastUser ? tr("%1 (earlier turn, part of the context)").arg(role) : role,
                    QString::fromStdString(t.content), i < lastUser ? grey : blue, i < lastUser ? darkGrey : darkBlue);
        }
    }
    moveCursor(QTextCursor::Start);
}

}  // namespace gateau::ui
