#pragma once
// The sample's conversation as read-only text with its scored parts marked (context,
// instruction, response). A small stand-in for ui/conversation_view.h's ConversationView,
// which lives in gateau_ui: that library links this one, so this one cannot link it back.
#include "core/datasets/conversation.h"

#include <QTextBrowser>

namespace gateau::ui {

class SampleTextView : public QTextBrowser {
    Q_OBJECT
public:
    explicit SampleTextView(QWidget* parent = nullptr);
    void showConversation(const datasets::Conversation& conversation, const QString& title);
};

}  // namespace gateau::ui
