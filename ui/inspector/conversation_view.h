#pragma once
// Read-only view of one sample's conversation with its scored parts marked:
// long context, instruction and response (METHOD.md's anatomy).
#include "core/datasets/conversation.h"

#include <QTextBrowser>

namespace gateau::ui {

class ConversationView : public QTextBrowser {
    Q_OBJECT
public:
    explicit ConversationView(QWidget* parent = nullptr);
    void showConversation(const datasets::Conversation& conv, const QString& title);
    void showMessage(const QString& message);
};

}  // namespace gateau::ui
