#include "ui/inspector/conversation_view.h"

#include "core/util/text.h"

#include <QLocale>
#include <QTextBlockFormat>
#include <QTextCursor>

namespace gateau::ui {

namespace {

void appendSection(QTextCursor& cur, const QString& label, const QString& text, const QColor& bg, const QColor& accent) {
    QTextBlockFormat head;
    head.setTopMargin(10);
    head.setBackground(accent);
    QTextCharFormat headChar;
    headChar.setFontWeight(QFont::Bold);
    headChar.setForeground(Qt::white);
    cur.insertBlock(head, headChar);
    cur.insertText(" " + label);

    QTextBlockFormat body;
    body.setBackground(bg);
    body.setLeftMargin(6);
    body.setRightMargin(6);
    QTextCharFormat bodyChar;
    bodyChar.setForeground(QColor(0x20, 0x20, 0x20));
    cur.insertBlock(body, bodyChar);
    cur.insertText(text);  // plain text: newlines become paragraphs with the same format
}

QString chars(size_t n) { return QLocale().toString(qulonglong(n)) + QObject::tr(" chars"); }

}  // namespace

ConversationView::ConversationView(QWidget* parent) : QTextBrowser(parent) {
    setOpenLinks(false);
    setReadOnly(true);
    document()->setDocumentMargin(8);
}

void ConversationView::showMessage(const QString& message) {
    clear();
    setPlainText(message);
}

void ConversationView::showConversation(const datasets::Conversation& conv, const QString& title) {
    clear();
    QTextCursor cur(document());
    QTextCharFormat titleChar;
    titleChar.setFontWeight(QFont::Bold);
    titleChar.setFontPointSize(font().pointSizeF() * 1.2);
    cur.setCharFormat(titleChar);
    cur.insertText(title);

    const int response = conv.responseIndex();
    int lastUser = -1;
    for (int i = response - 1; i >= 0 && lastUser < 0; --i)
        if (conv.turns[size_t(i)].role == datasets::Role::User) lastUser = i;

    const QColor grey(0xF2, 0xF2, 0xF2), yellow(0xFF, 0xF6, 0xD5), green(0xE3, 0xF4, 0xE1), blue(0xE6, 0xEE, 0xFA);
    // The instruction and response sit after a context of up to 64k tokens: repeat them on
    // top so the reader sees what is scored without scrolling.
    if (response >= 0) {
        QTextBlockFormat summary;
        summary.setTopMargin(6);
        QTextCharFormat label;
        label.setFontWeight(QFont::Bold);
        QTextCharFormat plain;
        auto line = [&](const QString& name, const std::string& text, const QColor& bg) {
            summary.setBackground(bg);
            cur.insertBlock(summary);
            cur.insertText(name, label);
            QString t = QString::fromStdString(util::oneLinePrefix(text, 400));
            cur.insertText(t, plain);
        };
        line(tr("Instruction: "), conv.instructionText(), yellow);
        line(tr("Response: "), conv.turns[size_t(response)].content, green);
    }
    for (int i = 0; i < int(conv.turns.size()); ++i) {
        const auto& t = conv.turns[size_t(i)];
        QString text = QString::fromStdString(t.content);
        if (i == lastUser) {
            auto [context, instruction] = datasets::splitInstruction(t.content);
            if (!context.empty())
                appendSection(cur, tr("CONTEXT  (user, %1)").arg(chars(util::utf8Length(context))), QString::fromUtf8(context.data(), int(context.size())),
                              grey, QColor(0x70, 0x70, 0x70));
            appendSection(cur, tr("INSTRUCTION  (user)"), QString::fromUtf8(instruction.data(), int(instruction.size())), yellow,
                          QColor(0xC8, 0x8A, 0x00));
        } else if (i == response) {
            appendSection(cur, tr("RESPONSE  (assistant, scored; %1)").arg(chars(util::utf8Length(t.content))), text, green, QColor(0x2E, 0x7D, 0x32));
        } else {
            QString who = t.role == datasets::Role::System ? tr("SYSTEM") : t.role == datasets::Role::User ? tr("USER") : tr("ASSISTANT");
            appendSection(cur, who + tr("  (earlier turn, part of the context)"), text, blue, QColor(0x45, 0x5A, 0x80));
        }
    }
    moveCursor(QTextCursor::Start);
}

}  // namespace gateau::ui
